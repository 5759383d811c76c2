import { mkdirSync } from 'node:fs';
import net from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackoffOptions,
  type CandidateInput,
  classifyAddress,
  createChangeNotifier,
  createExposureReporter,
  type DiscoverContext,
  type DiscoverResult,
  type ExposeContext,
  formatUrlHost,
  normalizeAddress,
  type Provider,
  type ProviderHealth,
  readListenState,
  supervise,
} from '@endpointd/core';
import * as z from 'zod';
import { parseDestination, ReverseOptions } from './destination.js';
import { createSsh, sshHint } from './ssh.js';

/** Options of the SSH provider. */
export const SshProviderOptions = z.object({
  /** @default ENDPOINTD_SSH_BIN, else "ssh" on PATH */
  bin: z.string().min(1).optional(),
  /** `sshd -T` is asked at most this often (ms). @default 30000 */
  sshdTtlMs: z.number().int().min(0).default(30_000),
  /**
   * When to run `sshd -T`: "when-listening" only if something listens on port 22 (keeps a
   * subprocess off a one-shot list); "always" also finds an sshd on another port (the daemon,
   * which caches it). @default "when-listening"
   */
  readSshdConfig: z.enum(['when-listening', 'always']).default('when-listening'),
  /** Seconds between keep-alives, and how many may be missed (ServerAliveInterval/CountMax). @default 15, 3 */
  aliveIntervalS: z.number().int().min(1).default(15),
  aliveCountMax: z.number().int().min(1).default(3),
  ...BackoffOptions.shape,
  /** A forward must be confirmed within this (ms). @default 20000 */
  connectTimeoutMs: z.number().int().min(100).default(20_000),
  /** Pid files of the ssh -R processes, reaped by the daemon at its next start. @default a per-user folder in the temp dir */
  runDir: z.string().min(1).optional(),
});
export type SshProviderOptions = z.input<typeof SshProviderOptions>;

const KEPT_LINES = 20;

/** Whether host:port accepts a TCP connection from here (the forward's public side). */
function canConnect(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(false));
  });
}

/** This machine's address for the client's ssh command: a non-loopback IPv4 sshd listens on. */
function advertisedHost(listenAddresses: string[]): string {
  const wildcard = listenAddresses.length === 0 || listenAddresses.some((a) => a === '0.0.0.0' || a === '::');
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      const a = normalizeAddress(info.address);
      if (info.family !== 'IPv4' || info.internal || classifyAddress(a) === 'link-local') continue;
      if (wildcard || listenAddresses.includes(a)) return a;
    }
  }
  return os.hostname();
}

export interface SshProviderDeps {
  /** A better name for this machine than its LAN address (the daemon wires Tailscale's MagicDNS name). */
  hostName?: () => Promise<string | null>;
  /** The environment ssh and sshd run with and are looked up in. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** SSH: a local-forward recipe for clients, and supervised `ssh -R` reverse forwards. */
export function createSshProvider(options: SshProviderOptions = {}, deps: SshProviderDeps = {}): Provider {
  const config = Object.freeze(SshProviderOptions.parse(options));
  const ssh = createSsh({
    sshdTtlMs: config.sshdTtlMs,
    ...(config.bin ? { bin: config.bin } : {}),
    ...(deps.env ? { env: deps.env } : {}),
  });
  const runDir = config.runDir ?? join(tmpdir(), `endpointd-ssh-${process.getuid?.() ?? 'user'}`);
  const tracked = new Map<string, string | null>();
  const changes = createChangeNotifier();

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const { backend } = ctx;
    const candidates: CandidateInput[] = [];
    const reverse = tracked.get(backend.name);
    if (reverse) candidates.push({ type: 'ssh-reverse', url: reverse, label: 'SSH reverse forward' });

    const on22 = await readListenState(22);
    const cfg = config.readSshdConfig === 'always' || on22?.listening ? await ssh.readSshdConfig(ctx.fresh) : null;
    const port = cfg?.ports[0] ?? 22;
    const listen = port === 22 ? on22 : await readListenState(port);
    // No sshd installed and nothing on its port: nothing to suggest.
    if (!cfg && !ssh.sshdInstalled() && !listen?.listening) return { candidates };
    const bound = listen?.addresses.map(normalizeAddress) ?? [];
    const host = (await deps.hostName?.().catch(() => null)) ?? advertisedHost(bound);
    const user = os.userInfo().username;
    const command = `ssh -N -L ${backend.port}:127.0.0.1:${backend.port}${port === 22 ? '' : ` -p ${port}`} ${user}@${formatUrlHost(host)}`;
    let blocked: CandidateInput['blocked'];
    if (listen && !listen.listening) blocked = { reason: 'sshd-not-running', detail: `nothing listens on port ${port}` };
    else if (cfg && ['no', 'remote'].includes(cfg.allowTcpForwarding))
      blocked = { reason: 'ssh-forwarding-disabled', detail: `AllowTcpForwarding ${cfg.allowTcpForwarding}` };
    else if (cfg && cfg.permitOpen === 'none') blocked = { reason: 'ssh-forwarding-disabled', detail: 'PermitOpen none' };
    else if (bound.length > 0 && bound.every((a) => classifyAddress(a) === 'loopback'))
      blocked = { reason: 'sshd-not-on-lan', detail: bound.join(', ') };
    candidates.push({
      type: 'ssh-local-forward',
      url: `${ctx.scheme}://127.0.0.1:${backend.port}/`,
      label: 'SSH local forward (run the command on the client)',
      connect: { command },
      ...(blocked ? { blocked } : {}),
    });
    return { candidates };
  }

  async function health(): Promise<ProviderHealth> {
    const v = await ssh.readVersion();
    const cfg = await ssh.readSshdConfig();
    const listen = await readListenState(cfg?.ports[0] ?? 22);
    const sshdNote = listen?.listening
      ? `sshd listens on ${listen.addresses.join(', ')}`
      : 'no sshd listening here (ssh-local-forward needs one)';
    if (v === null) return { available: false, version: null, reason: 'not-installed', hint: `${sshHint('not-installed')} ${sshdNote}.` };
    return {
      available: true,
      version: v,
      reason: null,
      hint: `${sshdNote}${cfg ? `, AllowTcpForwarding ${cfg.allowTcpForwarding}` : ''}.`,
    };
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { backend, signal } = ctx;
    const opts = ReverseOptions.parse(ctx.options);
    const dest = parseDestination(opts.host);
    const remotePort = opts.remotePort ?? backend.port;
    // The forward carries bytes: a TLS-only backend is https on the server's side too.
    const url = opts.publicUrl ?? `${await ctx.backendScheme()}://${formatUrlHost(dest.host)}:${remotePort}/`;
    const args = ssh.reverseForwardArgs({
      destination: dest,
      remotePort,
      backendPort: backend.port,
      aliveIntervalS: config.aliveIntervalS,
      aliveCountMax: config.aliveCountMax,
    });
    const report = createExposureReporter(ctx, (reason, detail) =>
      sshHint(reason, detail, reason === 'start-timed-out' ? { timeoutMs: config.connectTimeoutMs } : {}),
    );
    // A name per forward: two exposures of one backend never share a pid file.
    const name = `${backend.name}-ssh-reverse`;
    mkdirSync(runDir, { recursive: true, mode: 0o700 });

    ctx.update({ state: 'starting' });
    await supervise<string>({
      name,
      command: ssh.bin,
      env: ssh.env,
      prepare: () => args,
      signal,
      runDir,
      // Only ssh's own diagnostics are kept; its many debug lines are only read for the success line.
      tail: { max: KEPT_LINES, keep: (line) => !line.startsWith('debug') },
      startTimeoutMs: config.connectTimeoutMs,
      stopGraceMs: 3_000,
      backoffInitialMs: config.backoffInitialMs,
      backoffMaxMs: config.backoffMaxMs,
      async ready(child) {
        await new Promise<void>((resolve) => child.onLine((line) => ssh.isForwardConfirmed(line) && resolve()));
        if (!opts.publicUrl && !(await canConnect(dest.host, remotePort))) {
          // Connected and forwarded, but sshd bound it to its loopback (GatewayPorts no).
          return {
            ok: false,
            reason: 'remote-bound-to-loopback',
            error: `${dest.host}:${remotePort} refuses connections although the forward is up`,
          };
        }
        return { ok: true, value: url };
      },
      classifyExit: ssh.classifyExit,
      onUp(value) {
        tracked.set(backend.name, value);
        ctx.update({ state: 'active', url: value });
        changes.notify();
      },
      onDown(down) {
        // A dropped forward stays listed, so it shows unreachable at once, until it is back.
        report.down(down);
        if (down.phase === 'run') changes.notify();
      },
    });
    tracked.delete(backend.name);
    changes.notify();
  }

  return Object.freeze({
    id: 'ssh',
    types: Object.freeze(['ssh-local-forward', 'ssh-reverse'] as const),
    exposureTypes: Object.freeze(['ssh-reverse'] as const),
    exposureOptions: { 'ssh-reverse': ReverseOptions },
    discover,
    health,
    expose,
    watch: changes.watch,
  });
}
