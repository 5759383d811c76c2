import {
  type CandidateInput,
  type DiscoverContext,
  type DiscoverResult,
  delay,
  type ExposeContext,
  type ExposureStopReason,
  formatUrlHost,
  type Provider,
  type ProviderHealth,
} from '@endpointd/core';
import * as z from 'zod';
import { TAILSCALE_HINTS, type TailscaleReason } from './reasons.js';
import { HTTPS_PORTS, parseServeConfig, proxyTargetsPort, type ServeHandler, serveUrl } from './serve-config.js';
import { parseStatus, parseVersion, stateReason, type TailscaleStatus } from './status.js';
import { runTailscale, SERVE_TIMEOUT_MS, TailscaleCliError, tailscaleBinary } from './tailscale-cli.js';

/** Options of the Tailscale provider. */
export const TailscaleProviderOptions = z.object({
  /** @default ENDPOINTD_TAILSCALE_BIN, else "tailscale" on PATH */
  bin: z.string().min(1).optional(),
  /** CLI answers are reused this long (ms), so refreshes do not spawn the CLI each time. @default 5000 */
  cacheTtlMs: z.number().int().min(0).default(5_000),
  /** While Tailscale is missing or down, it is asked again only this often (ms). @default 60000 */
  absentRecheckMs: z.number().int().min(0).default(60_000),
  /** How often an active exposure's handler is checked (ms). @default 15000 */
  superviseIntervalMs: z.number().int().min(100).default(15_000),
  /** While waiting for an admin's approval, how often the setup is tried again (ms). @default 5000 */
  approvalPollMs: z.number().int().min(100).default(5_000),
});
export type TailscaleProviderOptions = z.input<typeof TailscaleProviderOptions>;

const ServeOptions = z.object({ httpsPort: z.number().int().min(1).max(65_535).optional() }).strict();
const FunnelOptions = z
  .object({
    httpsPort: z
      .union([z.literal(443), z.literal(8443), z.literal(10000)], { error: 'Funnel serves HTTPS ports 443, 8443 or 10000 only' })
      .optional(),
    confirmPublic: z.literal(true, {
      error: 'tailscale-funnel puts the backend on the public internet: confirm with confirmPublic: true (--yes)',
    }),
  })
  .strict();

const VERSION_TTL_MS = 10 * 60_000;
const APPROVAL_LINK = /https:\/\/login\.tailscale\.com\/[^\s"'<>]+/;
/** How long a waiting `serve` may block for an admin's approval before it is asked again. */
const APPROVAL_WAIT_MS = 10 * 60_000;

type Cached<T> = { at: number; value?: T; error?: TailscaleCliError; absent: boolean };

function reasonOf(err: unknown): TailscaleReason {
  return err instanceof TailscaleCliError ? err.reason : 'unknown';
}

/** The Tailscale provider, plus its MagicDNS name for other providers the daemon wires to it. */
export interface TailscaleProvider extends Provider {
  /** This machine's MagicDNS name when Tailscale runs with MagicDNS (from the cached status), else null. */
  magicDnsName(): Promise<string | null>;
}

/** Tailscale IP, MagicDNS, Serve and Funnel endpoints, and Serve/Funnel exposures, through the tailscale CLI. */
export function createTailscaleProvider(
  options: TailscaleProviderOptions = {},
  deps: { run?: typeof runTailscale; now?: () => number } = {},
): TailscaleProvider {
  const config = Object.freeze(TailscaleProviderOptions.parse(options));
  const bin = config.bin ?? tailscaleBinary();
  const run = deps.run ?? runTailscale;
  const now = deps.now ?? Date.now;
  let statusCache: Cached<TailscaleStatus> | null = null;
  let serveCache: Cached<ServeHandler[]> | null = null;
  let versionCache: Cached<string | null> | null = null;

  // One cache rule for every read: fresh answers for cacheTtlMs, and when Tailscale is missing or
  // its daemon is down, no new spawn for absentRecheckMs (a user's refresh shortens that to the TTL).
  async function cachedRead<T>(
    cache: Cached<T> | null,
    set: (c: Cached<T>) => void,
    args: string[],
    parse: (s: string) => T,
    fresh: boolean,
    ttlMs = config.cacheTtlMs,
  ): Promise<T> {
    if (cache) {
      const age = now() - cache.at;
      const ttl = cache.absent ? (fresh ? config.cacheTtlMs : config.absentRecheckMs) : fresh ? 0 : ttlMs;
      if (age < ttl) {
        if (cache.error) throw cache.error;
        return cache.value as T;
      }
    }
    try {
      const { stdout } = await run(bin, args);
      let value: T;
      try {
        value = parse(stdout);
      } catch (cause) {
        throw new TailscaleCliError('bad-output', { subcommand: args.join(' '), exitCode: 0, durationMs: 0, stderrLength: 0, cause });
      }
      set({ at: now(), value, absent: false });
      return value;
    } catch (err) {
      const error =
        err instanceof TailscaleCliError
          ? err
          : new TailscaleCliError('unknown', { subcommand: args[0] ?? '', exitCode: null, durationMs: 0, stderrLength: 0, cause: err });
      set({ at: now(), error, absent: error.reason === 'not-installed' || error.reason === 'not-running' });
      throw error;
    }
  }

  const readStatus = (fresh = false) =>
    cachedRead(statusCache, (c) => (statusCache = c), ['status', '--json', '--peers=false'], parseStatus, fresh);
  const readServe = (fresh = false) =>
    cachedRead(serveCache, (c) => (serveCache = c), ['serve', 'status', '--json'], parseServeConfig, fresh);
  // The version changes only with an upgrade: asked once every ten minutes at most.
  const readVersion = () => cachedRead(versionCache, (c) => (versionCache = c), ['version'], parseVersion, false, VERSION_TTL_MS);

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const { backend, scheme, fresh } = ctx;
    let status: TailscaleStatus;
    try {
      status = await readStatus(fresh);
    } catch (err) {
      const reason = reasonOf(err);
      return { candidates: [], unavailable: { reason, hint: TAILSCALE_HINTS[reason] } };
    }
    const down = stateReason(status.backendState);
    if (down) return { candidates: [], unavailable: { reason: down, hint: TAILSCALE_HINTS[down] } };
    const candidates: CandidateInput[] = [];
    for (const ip of [...status.ipv4, ...status.ipv6]) {
      candidates.push({
        type: 'tailscale-ip',
        url: `${scheme}://${formatUrlHost(ip)}:${backend.port}/`,
        label: `Tailscale IP (${ip.includes(':') ? 'IPv6' : 'IPv4'})`,
      });
    }
    if (status.magicDnsEnabled && status.magicDnsName) {
      candidates.push({
        type: 'tailscale-magicdns',
        url: `${scheme}://${status.magicDnsName}:${backend.port}/`,
        label: 'Tailscale MagicDNS name',
      });
    }
    try {
      for (const h of await readServe(fresh)) {
        if (!proxyTargetsPort(h.proxy, backend.port)) continue;
        candidates.push({
          type: h.funnel ? 'tailscale-funnel' : 'tailscale-serve',
          url: serveUrl(h),
          label: h.funnel ? 'Tailscale Funnel (public HTTPS)' : 'Tailscale Serve (tailnet HTTPS)',
        });
      }
    } catch {
      // Without the serve config there are still the IP and MagicDNS endpoints.
    }
    return { candidates };
  }

  async function health(): Promise<ProviderHealth> {
    try {
      const [version, status] = await Promise.all([readVersion(), readStatus()]);
      const down = stateReason(status.backendState);
      return { available: down === null, version: version ?? status.version, reason: down, hint: down ? TAILSCALE_HINTS[down] : null };
    } catch (err) {
      const reason = reasonOf(err);
      return { available: false, version: null, reason, hint: TAILSCALE_HINTS[reason] };
    }
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { backend, signal } = ctx;
    const isFunnel = ctx.type === 'tailscale-funnel';
    const pinned = (isFunnel ? FunnelOptions : ServeOptions).parse(ctx.options).httpsPort;
    const verb = isFunnel ? 'funnel' : 'serve';
    const target = `http://127.0.0.1:${backend.port}`;
    let appliedPort: number | null = null;
    let waitingForApproval = false;
    /** This run added the handler once (a later re-apply may find it in place: still ours). */
    let addedBefore = false;

    const fail = (reason: TailscaleReason, error?: string): 'failed' => {
      ctx.update({ state: 'failed', reason, hint: TAILSCALE_HINTS[reason], error: error ?? reason });
      return 'failed';
    };

    // Decides the HTTPS port, refusing to take one another target already uses.
    const choosePort = (handlers: ServeHandler[], host: string): number | TailscaleReason => {
      const onPort = (p: number) => handlers.filter((h) => h.host === host && h.httpsPort === p);
      const isMine = (p: number) => onPort(p).some((h) => proxyTargetsPort(h.proxy, backend.port));
      const isFree = (p: number) => onPort(p).length === 0 || isMine(p);
      if (pinned !== undefined) return isFree(pinned) ? pinned : 'port-in-use';
      const candidates = isFunnel
        ? [...HTTPS_PORTS]
        : [...new Set([...handlers.filter((h) => proxyTargetsPort(h.proxy, backend.port)).map((h) => h.httpsPort), ...HTTPS_PORTS])];
      return candidates.find(isMine) ?? candidates.find(isFree) ?? 'port-in-use';
    };

    // One attempt: checks, port, the CLI call, and confirmation that the handler exists.
    async function apply(): Promise<'active' | 'waiting' | 'failed'> {
      let status: TailscaleStatus;
      try {
        status = await readStatus(true);
      } catch (err) {
        return fail(reasonOf(err));
      }
      const down = stateReason(status.backendState);
      if (down) return fail(down);
      const host = status.magicDnsName;
      if (!host || !status.magicDnsEnabled) return fail('magicdns-not-enabled');
      if (status.certDomains.length === 0 && !waitingForApproval) return fail('https-not-enabled');
      if (isFunnel && !status.canFunnel) return fail('funnel-not-available');
      let handlers: ServeHandler[];
      try {
        handlers = await readServe(true);
      } catch (err) {
        return fail(reasonOf(err));
      }
      const port = choosePort(handlers, host);
      if (typeof port === 'string') {
        const taken = handlers.filter((h) => h.host === host && h.httpsPort === pinned).map((h) => h.proxy ?? 'a file or text handler');
        const free = HTTPS_PORTS.find((p) => !handlers.some((h) => h.host === host && h.httpsPort === p));
        fail(
          'port-in-use',
          `HTTPS port ${pinned ?? 'none of 443, 8443, 10000'} already serves ${taken.join(', ') || 'other targets'}${free ? `; ${free} is free` : ''}`,
        );
        return 'failed';
      }
      const present = handlers.some(
        (h) => h.host === host && h.httpsPort === port && proxyTargetsPort(h.proxy, backend.port) && (!isFunnel || h.funnel),
      );
      if (!present) {
        // The approval flow prints a link and then either exits 0 having done nothing, or waits.
        const watchdog = new AbortController();
        const onAbort = () => watchdog.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        const silence = setTimeout(() => watchdog.abort(), SERVE_TIMEOUT_MS);
        try {
          await run(bin, [verb, '--bg', '--yes', `--https=${port}`, target], {
            timeoutMs: APPROVAL_WAIT_MS,
            signal: watchdog.signal,
            onStdout: (chunk) => {
              const link = APPROVAL_LINK.exec(chunk)?.[0];
              if (link) {
                clearTimeout(silence);
                waitingForApproval = true;
                ctx.update({
                  state: 'needs-approval',
                  approvalUrl: link,
                  reason: 'serve-not-enabled',
                  hint: TAILSCALE_HINTS['serve-not-enabled'],
                });
              }
            },
          });
        } catch (err) {
          if (signal.aborted) return 'failed';
          if (reasonOf(err) === 'config-conflict') return 'waiting'; // someone else was writing: try again shortly
          return fail(reasonOf(err));
        } finally {
          clearTimeout(silence);
          signal.removeEventListener('abort', onAbort);
        }
      }
      // Exit 0 is not proof: confirm that the handler is really there.
      const confirmed = (await readServe(true).catch(() => [] as ServeHandler[])).some(
        (h) => h.host === host && h.httpsPort === port && proxyTargetsPort(h.proxy, backend.port) && (!isFunnel || h.funnel),
      );
      if (!confirmed) return waitingForApproval ? 'waiting' : fail('unknown', `${verb} exited without adding the handler`);
      appliedPort = port;
      waitingForApproval = false;
      ctx.update({
        state: 'active',
        url: serveUrl({ host, httpsPort: port, mountPath: '/' }),
        // What this exposure set up (or found): cleanup removes it only if endpointd added it.
        owned: { host, httpsPort: port, backendPort: backend.port, funnel: isFunnel, added: !present || addedBefore },
      });
      addedBefore = addedBefore || !present;
      return 'active';
    }

    ctx.update({ state: 'starting' });
    while (!signal.aborted) {
      const outcome = await apply();
      if (outcome === 'failed') {
        await delay(config.superviseIntervalMs, signal); // try again later: tailscale may come back
        continue;
      }
      if (outcome === 'waiting') {
        await delay(config.approvalPollMs, signal);
        continue;
      }
      // Supervise: re-apply if the handler vanished (tailscaled restarted, someone reset serve).
      while (!signal.aborted) {
        await delay(config.superviseIntervalMs, signal);
        if (signal.aborted) break;
        const handlers = await readServe(true).catch(() => null);
        if (handlers && !handlers.some((h) => h.httpsPort === appliedPort && proxyTargetsPort(h.proxy, backend.port))) {
          ctx.update({ state: 'starting' });
          break;
        }
      }
    }
    if ((signal.reason as ExposureStopReason | undefined) === 'disabled' && appliedPort !== null) {
      await removeHandler(appliedPort, backend.port, isFunnel);
    }
  }

  /** Removes the handler on `httpsPort`, and only if it still targets `backendPort`. */
  async function removeHandler(httpsPort: number, backendPort: number, funnel: boolean): Promise<void> {
    const handlers = await readServe(true).catch(() => [] as ServeHandler[]);
    if (handlers.some((h) => h.httpsPort === httpsPort && proxyTargetsPort(h.proxy, backendPort))) {
      if (funnel) await run(bin, ['funnel', `--https=${httpsPort}`, 'off']).catch(() => undefined);
      await run(bin, ['serve', `--https=${httpsPort}`, 'off']).catch(() => undefined);
    }
  }

  /** The backend of an exposure is gone (removed from the config): remove its handler if endpointd added it. */
  async function cleanup(ctx: { owned: Record<string, string | number | boolean> }): Promise<void> {
    const { httpsPort, backendPort, funnel, added } = ctx.owned;
    if (added !== true || typeof httpsPort !== 'number' || typeof backendPort !== 'number') return;
    await removeHandler(httpsPort, backendPort, funnel === true);
  }

  return Object.freeze({
    id: 'tailscale',
    types: Object.freeze(['tailscale-ip', 'tailscale-magicdns', 'tailscale-serve', 'tailscale-funnel'] as const),
    exposureTypes: Object.freeze(['tailscale-serve', 'tailscale-funnel'] as const),
    exposureOptions: { 'tailscale-serve': ServeOptions, 'tailscale-funnel': FunnelOptions },
    discover,
    health,
    expose,
    cleanup,
    async magicDnsName() {
      const status = await readStatus().catch(() => null);
      return status && stateReason(status.backendState) === null && status.magicDnsEnabled ? status.magicDnsName : null;
    },
  });
}
