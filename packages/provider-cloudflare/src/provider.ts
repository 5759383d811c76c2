import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackoffOptions,
  type CandidateInput,
  createChangeNotifier,
  createExposureReporter,
  type DiscoverContext,
  type DiscoverResult,
  delay,
  ExistingFile,
  type ExposeContext,
  originFor,
  type Provider,
  type ProviderHealth,
  type Reason,
  registerSecret,
  supervise,
} from '@endpointd/core';
import * as z from 'zod';
import { cloudflaredHint, createCloudflared, type TunnelSpec } from './cloudflared.js';
import { chooseIngressHostname } from './ingress.js';
import { hostnameFromBanner, KEPT_LOG_LINES, redactLogLine } from './log-lines.js';

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
  /** How often a running tunnel's /ready is checked (ms). @default 2000 */
  readyPollMs: z.number().int().min(50).default(2_000),
  /**
   * A running cloudflared whose /ready has reported no connection (or failed) for this long is
   * stalled: its endpoint turns unreachable (ms). @default 6000
   */
  stalledAfterMs: z.number().int().min(100).default(6_000),
  /** …and after this long it is restarted (ms). @default 45000 */
  restartStalledAfterMs: z.number().int().min(200).default(45_000),
});
export type CloudflareProviderOptions = z.input<typeof CloudflareProviderOptions>;

const QuickOptions = z.object({}).strict();
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const NamedOptions = z
  .object({
    tokenFile: ExistingFile('tokenFile').optional(),
    credentialsFile: ExistingFile('credentialsFile').optional(),
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

type Tracked = {
  url: string | null;
  type: 'cloudflare-quick' | 'cloudflare-named';
  /** Set while the process runs without an edge connection: what /ready said, and since when. */
  stalled: string | null;
};

/** Cloudflare quick and named tunnels: cloudflared processes supervised by endpointd. */
export function createCloudflareProvider(options: CloudflareProviderOptions = {}, deps: { env?: NodeJS.ProcessEnv } = {}): Provider {
  const config = Object.freeze(CloudflareProviderOptions.parse(options));
  const cloudflared = createCloudflared({ ...(config.bin ? { bin: config.bin } : {}), ...(deps.env ? { env: deps.env } : {}) });
  const { metrics } = cloudflared;
  const runDir = config.runDir ?? join(tmpdir(), `endpointd-cloudflared-${process.getuid?.() ?? 'user'}`);
  // Pid files go here; the daemon reaps what a killed predecessor left (core's reapOrphans).
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const tracked = new Map<string, Map<string, Tracked>>();
  const changes = createChangeNotifier();
  const changed = changes.notify;
  let lastError: { reason: Reason; error: string; lines: string[] } | null = null;

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const candidates: CandidateInput[] = [];
    for (const t of tracked.get(ctx.backend.name)?.values() ?? []) {
      if (t.url)
        candidates.push({
          type: t.type,
          url: t.url,
          label: t.type === 'cloudflare-quick' ? 'Cloudflare quick tunnel' : 'Cloudflare tunnel',
          // Probing would only meet the edge's 530 (or, right after, a cached answer): say why.
          ...(t.stalled ? { blocked: { reason: 'tunnel-disconnected' as const, detail: t.stalled } } : {}),
        });
    }
    return { candidates };
  }

  async function health(): Promise<ProviderHealth> {
    const v = await cloudflared.readVersion();
    if (v === null) return { available: false, version: null, reason: 'not-installed', hint: cloudflaredHint('not-installed') };
    if (!lastError) return { available: true, version: v, reason: null, hint: null };
    const tail = lastError.lines.slice(-3).join(' | ');
    return {
      available: true,
      version: v,
      reason: lastError.reason,
      hint: `${cloudflaredHint(lastError.reason, lastError.error)}${tail ? ` Last log lines: ${tail}` : ''}`,
    };
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { backend, signal } = ctx;
    const type = ctx.type as Tracked['type'];
    const named = type === 'cloudflare-named' ? NamedOptions.parse(ctx.options) : null;
    if (!named) QuickOptions.parse(ctx.options);
    const name = `${backend.name}-${type}`;
    const configFile = join(runDir, `${name}.yml`);
    const byType = tracked.get(backend.name) ?? new Map<string, Tracked>();
    tracked.set(backend.name, byType);
    const entry: Tracked = { url: null, type, stalled: null };
    byType.set(type, entry);
    // The token is handed over by file; its value is kept out of every log line and error.
    if (named?.tokenFile) registerSecret(readFileSync(named.tokenFile, 'utf8'));
    let metricsPort = 0;
    const report = createExposureReporter(ctx, (reason, detail) => cloudflaredHint(reason, detail, { timeoutMs: config.startTimeoutMs }));

    // At every (re)start: the backend may have moved between http and https.
    const prepare = async (): Promise<string[]> => {
      metricsPort = await metrics.freePort();
      const origin = originFor(backend.port, await ctx.backendScheme());
      const spec: TunnelSpec = !named
        ? { kind: 'quick', origin }
        : named.tokenFile
          ? { kind: 'token', tokenFile: named.tokenFile }
          : {
              kind: 'credentials',
              tunnelId: named.tunnelId ?? '',
              credentialsFile: named.credentialsFile ?? '',
              hostname: named.hostname ?? '',
              origin,
            };
      return cloudflared.tunnelArgs(spec, { configFile, metricsPort });
    };

    // A token tunnel's ingress comes from the dashboard after the connection registers: /ready is
    // 200 while /config still holds version -1 and the 503 default. Waited for here (not by a
    // restart), then the hostname whose rule serves this backend is taken; none is a lasting failure.
    const ingressFromDashboard = async (
      attempt: AbortSignal,
      began: number,
    ): Promise<{ ok: true; value: string } | { ok: false; reason: Reason; error: string; permanent: true }> => {
      const deadline = began + config.startTimeoutMs - READY_STARTUP_POLL_MS * 5;
      let pushed = await metrics.readVersionedConfig(metricsPort);
      while (!attempt.aborted && (pushed?.version ?? -1) < 0 && Date.now() < deadline) {
        await delay(READY_STARTUP_POLL_MS, attempt);
        pushed = await metrics.readVersionedConfig(metricsPort);
      }
      if (!pushed || pushed.version < 0) {
        const error = `the tunnel connected, but the dashboard sent no configuration within ${Math.round((Date.now() - began) / 1000)} s`;
        return { ok: false, reason: 'no-ingress-for-backend', error, permanent: true };
      }
      const choice = chooseIngressHostname(pushed, backend.port, named?.hostname);
      if (!choice.ok) return { ok: false, reason: 'no-ingress-for-backend', error: choice.error, permanent: true };
      return { ok: true, value: `https://${choice.hostname}/` };
    };

    ctx.update({ state: 'starting' });
    await supervise<string>({
      name,
      command: cloudflared.bin,
      env: cloudflared.env,
      prepare,
      signal,
      runDir,
      tail: { max: KEPT_LOG_LINES, transform: redactLogLine },
      startTimeoutMs: config.startTimeoutMs,
      stopGraceMs: config.stopGraceMs,
      backoffInitialMs: config.backoffInitialMs,
      backoffMaxMs: config.backoffMaxMs,
      // Up once a connection is registered (/ready 200) and the hostname is known.
      async ready(child, attempt) {
        const began = Date.now();
        while (!attempt.aborted && !(await metrics.isReady(metricsPort))) await delay(READY_STARTUP_POLL_MS, attempt);
        if (named?.tokenFile) return await ingressFromDashboard(attempt, began);
        const host = named
          ? (named.hostname ?? null)
          : ((await metrics.readQuickTunnelHostname(metricsPort)) ?? hostnameFromBanner(child.lines));
        if (!host) return { ok: false, reason: 'tool-failed', error: 'the tunnel came up without a hostname' };
        return { ok: true, value: `https://${host}/` };
      },
      // A process that lives but has no edge connection (/ready 503 with readyConnections 0, or no
      // answer) is stalled after stalledAfterMs: its endpoint says so at once, and the process is
      // restarted only after restartStalledAfterMs, since cloudflared reconnects by itself first.
      async watch(_child, url, attempt) {
        let since: number | null = null;
        while (!attempt.aborted) {
          await delay(config.readyPollMs, attempt);
          if (attempt.aborted) break;
          const ready = await metrics.readReadiness(metricsPort);
          if (ready.connections > 0) {
            since = null;
            if (entry.stalled) {
              entry.stalled = null;
              ctx.update({ state: 'active', url });
              changed();
            }
            continue;
          }
          since ??= Date.now();
          const lasted = Date.now() - since;
          const detail = `${ready.detail} for ${Math.round(lasted / 1000)} s`;
          if (lasted >= config.restartStalledAfterMs) return { reason: 'tunnel-disconnected', error: `cloudflared restarted: ${detail}` };
          if (lasted >= config.stalledAfterMs && !entry.stalled) {
            entry.stalled = detail;
            report.fail('tunnel-disconnected', detail, { retrying: true });
            changed();
          }
        }
        return { reason: 'exited-early', error: 'supervision stopped' };
      },
      classifyExit: cloudflared.classifyExit,
      onUp(url) {
        // A quick tunnel gets a new name on every start: the old one is never shown again.
        entry.url = url;
        entry.stalled = null;
        lastError = null;
        ctx.update({ state: 'active', url });
        changed();
      },
      onDown(down) {
        lastError = { reason: down.reason, error: down.error, lines: [...down.lines] };
        // After a drop the URL is kept until the next one is known, so the list shows it unreachable at once.
        const dropped = down.phase === 'run' && !down.permanent && down.reason !== 'tunnel-disconnected';
        report.down(dropped ? { ...down, reason: 'exited-early' } : down);
        if (down.phase === 'run') changed();
      },
    });
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
    watch: changes.watch,
  });
}
