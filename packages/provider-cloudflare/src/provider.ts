import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackoffOptions,
  backoffDelay,
  type CandidateInput,
  createLineTail,
  type DiscoverContext,
  type DiscoverResult,
  delay,
  type ExposeContext,
  type Provider,
  type ProviderHealth,
} from '@endpointd/core';
import * as z from 'zod';
import { classifyLogLines, hostnameFromBanner, KEPT_LOG_LINES, redactLogLine } from './log-lines.js';
import { freePort, isReady, readIngressHostnames, readQuickTunnelHostname } from './metrics.js';
import { reapOrphans, writePidFile } from './pid-files.js';
import { CLOUDFLARE_HINTS, type CloudflareReason } from './reasons.js';

/** Options of the Cloudflare provider. */
export const CloudflareProviderOptions = z.object({
  /** @default ENDPOINTD_CLOUDFLARED_BIN, else "cloudflared" on PATH */
  bin: z.string().min(1).optional(),
  /** Pid files and private config files; orphans found here are reaped at start. @default a per-user folder in the temp dir */
  runDir: z.string().min(1).optional(),
  /** A tunnel must report a ready connection within this (ms). @default 45000 */
  startTimeoutMs: z.number().int().min(100).default(45_000),
  /** SIGTERM, then SIGKILL after this (ms). @default 5000 */
  stopGraceMs: z.number().int().min(100).default(5_000),
  ...BackoffOptions.shape,
  /** How often a running tunnel's /ready is checked (ms). @default 5000 */
  readyPollMs: z.number().int().min(50).default(5_000),
});
export type CloudflareProviderOptions = z.input<typeof CloudflareProviderOptions>;

const QuickOptions = z.object({}).strict();
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const NamedOptions = z
  .object({
    tokenFile: z.string().min(1).optional(),
    credentialsFile: z.string().min(1).optional(),
    tunnelId: z.uuid({ error: 'tunnelId must be the tunnel UUID' }).optional(),
    hostname: z.string().regex(HOSTNAME, 'hostname must be a DNS name such as app.example.com').optional(),
  })
  .strict()
  .refine((o) => (o.tokenFile !== undefined) !== (o.credentialsFile !== undefined), {
    error: 'give either tokenFile, or credentialsFile with tunnelId and hostname',
  })
  .refine((o) => o.tokenFile !== undefined || (o.tunnelId !== undefined && o.hostname !== undefined), {
    error: 'credentialsFile needs tunnelId and hostname',
  });

/** Startup checks of /ready while a tunnel comes up (ms). */
const READY_STARTUP_POLL_MS = 200;

type Tracked = { url: string | null; type: 'cloudflare-quick' | 'cloudflare-named' };

/** Cloudflare quick and named tunnels: cloudflared processes supervised by endpointd. */
export function createCloudflareProvider(options: CloudflareProviderOptions = {}): Provider {
  const config = Object.freeze(CloudflareProviderOptions.parse(options));
  const bin = config.bin ?? (process.env.ENDPOINTD_CLOUDFLARED_BIN || 'cloudflared');
  const runDir = config.runDir ?? join(tmpdir(), `endpointd-cloudflared-${process.getuid?.() ?? 'user'}`);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  reapOrphans(runDir); // a previous daemon killed with SIGKILL leaves no tunnel running
  const tracked = new Map<string, Map<string, Tracked>>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  let version: Promise<string | null> | null = null;
  let lastError: { reason: CloudflareReason; lines: string[] } | null = null;

  function readVersion(): Promise<string | null> {
    // Read once: the binary does not change under a running daemon (a missing one is re-checked).
    version ??= import('execa')
      .then(({ execa }) => execa(bin, ['--version'], { timeout: 5_000, reject: false, stdin: 'ignore' }))
      .then((r) => {
        const v = /version (\S+)/.exec(String(r.stdout))?.[1] ?? null;
        if (v === null) version = null;
        return v;
      });
    return version;
  }

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const candidates: CandidateInput[] = [];
    for (const t of tracked.get(ctx.backend.name)?.values() ?? []) {
      if (t.url)
        candidates.push({
          type: t.type,
          url: t.url,
          label: t.type === 'cloudflare-quick' ? 'Cloudflare quick tunnel' : 'Cloudflare tunnel',
        });
    }
    return { candidates };
  }

  async function health(): Promise<ProviderHealth> {
    const v = await readVersion();
    if (v === null) return { available: false, version: null, reason: 'not-installed', hint: CLOUDFLARE_HINTS['not-installed'] };
    if (!lastError) return { available: true, version: v, reason: null, hint: null };
    const tail = lastError.lines.slice(-3).join(' | ');
    return {
      available: true,
      version: v,
      reason: lastError.reason,
      hint: `${CLOUDFLARE_HINTS[lastError.reason]}${tail ? ` Last log lines: ${tail}` : ''}`,
    };
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { execa } = await import('execa');
    const { backend, signal } = ctx;
    const type = ctx.type as Tracked['type'];
    const named = type === 'cloudflare-named' ? NamedOptions.parse(ctx.options) : null;
    if (!named) QuickOptions.parse(ctx.options);
    const name = `${backend.name}-${type}`;
    const configFile = join(runDir, `${name}.yml`);
    const byType = tracked.get(backend.name) ?? new Map<string, Tracked>();
    tracked.set(backend.name, byType);
    const entry: Tracked = { url: null, type };
    byType.set(type, entry);
    let failures = 0;

    const argsFor = (metricsPort: number): string[] => {
      const common = ['tunnel', '--no-autoupdate', '--config', configFile, '--metrics', `127.0.0.1:${metricsPort}`];
      const origin = `http://127.0.0.1:${backend.port}`;
      // A private --config: a user's ~/.cloudflared/config.yml would otherwise be loaded and its
      // ingress rules would win over --url.
      if (!named) {
        writeFileSync(configFile, 'no-autoupdate: true\n', { mode: 0o600 });
        return [...common, '--url', origin];
      }
      if (named.tokenFile) {
        writeFileSync(configFile, 'no-autoupdate: true\n', { mode: 0o600 });
        return [...common, 'run', '--token-file', named.tokenFile]; // the token never appears in argv
      }
      writeFileSync(
        configFile,
        `tunnel: ${named.tunnelId}\ncredentials-file: ${named.credentialsFile}\nno-autoupdate: true\ningress:\n  - hostname: ${named.hostname}\n    service: ${origin}\n  - service: http_status:404\n`,
        { mode: 0o600 },
      );
      return [...common, 'run', named.tunnelId ?? ''];
    };

    const backoff = () => backoffDelay(failures, config.backoffInitialMs, config.backoffMaxMs);

    ctx.update({ state: 'starting' });
    while (!signal.aborted) {
      const metricsPort = await freePort();
      const tail = createLineTail(KEPT_LOG_LINES, { transform: redactLogLine });
      const lines = tail.lines;
      const child = execa(bin, argsFor(metricsPort), {
        reject: false,
        stdin: 'ignore',
        stdout: 'ignore',
        buffer: false,
        forceKillAfterDelay: config.stopGraceMs,
        cleanup: true,
      });
      let exited = false;
      let exitInfo = '';
      const done = child.then((r) => {
        exited = true;
        exitInfo = (r as { code?: string }).code === 'ENOENT' ? 'ENOENT' : `exit ${r.exitCode ?? r.signal}`;
      });
      const pidFile = child.pid ? writePidFile(runDir, name, child.pid) : null;
      child.stderr?.on('data', (c: Buffer) => tail.push(c.toString()));
      const stop = async () => {
        if (!exited) child.kill('SIGTERM');
        await done;
        if (pidFile) rmSync(pidFile, { force: true });
      };

      // Up: wait for a registered connection, the process exiting, the start timeout, or a stop.
      const deadline = Date.now() + config.startTimeoutMs;
      let ready = false;
      while (!signal.aborted && !exited && Date.now() < deadline) {
        if (await isReady(metricsPort)) {
          ready = true;
          break;
        }
        await delay(READY_STARTUP_POLL_MS, signal);
      }
      if (signal.aborted) {
        await stop();
        break;
      }
      if (!ready) {
        const reason: CloudflareReason = exitInfo === 'ENOENT' ? 'not-installed' : exited ? classifyLogLines(lines) : 'start-timeout';
        await stop();
        lastError = { reason, lines: [...lines] };
        failures++;
        ctx.update({
          state: 'failed',
          reason,
          hint: CLOUDFLARE_HINTS[reason],
          error: exited ? `cloudflared ${exitInfo}: ${lines.at(-1) ?? ''}`.slice(0, 300) : 'no ready connection in time',
        });
        await delay(backoff(), signal);
        continue;
      }
      const host = named
        ? (named.hostname ?? (await readIngressHostnames(metricsPort))[0] ?? null)
        : ((await readQuickTunnelHostname(metricsPort)) ?? hostnameFromBanner(lines));
      if (!host) {
        await stop();
        lastError = { reason: 'unknown', lines: [...lines] };
        failures++;
        ctx.update({ state: 'failed', reason: 'unknown', hint: CLOUDFLARE_HINTS.unknown, error: 'the tunnel came up without a hostname' });
        await delay(backoff(), signal);
        continue;
      }
      // A quick tunnel gets a new name on every start: the old one is never shown again.
      entry.url = `https://${host}/`;
      failures = 0;
      lastError = null;
      ctx.update({ state: 'active', url: entry.url });
      changed();

      // Supervise: the process exiting or /ready going down ends this run.
      let misses = 0;
      while (!signal.aborted && !exited && misses < 2) {
        await Promise.race([delay(config.readyPollMs, signal), done]);
        if (signal.aborted || exited) break;
        misses = (await isReady(metricsPort)) ? 0 : misses + 1;
      }
      await stop();
      if (signal.aborted) break;
      lastError = { reason: classifyLogLines(lines), lines: [...lines] };
      failures++;
      // The URL is kept until the next one is known, so the list shows it unreachable at once.
      ctx.update({
        state: 'starting',
        reason: 'exited-early',
        hint: CLOUDFLARE_HINTS['exited-early'],
        error: exited ? `cloudflared ${exitInfo}` : 'tunnel not ready',
      });
      changed();
      await delay(backoff(), signal);
    }
    byType.delete(type);
    rmSync(configFile, { force: true });
    changed();
  }

  return Object.freeze({
    id: 'cloudflare',
    types: Object.freeze(['cloudflare-quick', 'cloudflare-named'] as const),
    exposureTypes: Object.freeze(['cloudflare-quick', 'cloudflare-named'] as const),
    exposureOptions: { 'cloudflare-quick': QuickOptions, 'cloudflare-named': NamedOptions },
    discover,
    health,
    expose,
    watch(onChange: () => void) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  });
}
