import {
  type CandidateInput,
  type DiscoverContext,
  type DiscoverResult,
  delay,
  type ExposeContext,
  type ExposureStopReason,
  formatUrlHost,
  originFor,
  type Provider,
  type ProviderHealth,
} from '@endpointd/core';
import * as z from 'zod';
import { HTTPS_PORTS, type ServeConfig, serveUrl } from './serve-config.js';
import { findMount, mountFromOwned, planExposure, removalArgs, type ServeMount, serveCandidates } from './serve-plan.js';
import { funnelAllows, stateReason, type TailscaleStatus } from './status.js';
import { createTailscaleCli, reasonOf, type runTailscale, SERVE_TIMEOUT_MS, type TailscaleReason, tailscaleHint } from './tailscale-cli.js';

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
    // Which ports Funnel may use is the tailnet's funnel-ports attribute, checked at enable time.
    httpsPort: z.number().int().min(1).max(65_535).optional(),
    confirmPublic: z.literal(true, {
      error: 'tailscale-funnel puts the backend on the public internet: confirm with confirmPublic: true (--yes)',
    }),
  })
  .strict();

const APPROVAL_LINK = /https:\/\/login\.tailscale\.com\/[^\s"'<>]+/;
/** How long a waiting `serve` may block for an admin's approval before it is asked again. */
const APPROVAL_WAIT_MS = 10 * 60_000;

/** The Tailscale provider, plus its MagicDNS name for other providers the daemon wires to it. */
export interface TailscaleProvider extends Provider {
  /** This machine's MagicDNS name when Tailscale runs with MagicDNS (from the cached status), else null. */
  magicDnsName(): Promise<string | null>;
}

/** Tailscale IP, MagicDNS, Serve and Funnel endpoints, and Serve/Funnel exposures, through the tailscale CLI. */
export function createTailscaleProvider(
  options: TailscaleProviderOptions = {},
  deps: { run?: typeof runTailscale; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): TailscaleProvider {
  const config = Object.freeze(TailscaleProviderOptions.parse(options));
  // Every CLI call goes through the adapter: cached, shared reads, one place for argv and errors.
  const cli = createTailscaleCli({
    cacheTtlMs: config.cacheTtlMs,
    absentRecheckMs: config.absentRecheckMs,
    ...(config.bin ? { bin: config.bin } : {}),
    ...(deps.env ? { env: deps.env } : {}),
    ...(deps.run ? { run: deps.run } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const { readStatus, readServe, readVersion } = cli;

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const { backend, scheme, fresh } = ctx;
    let status: TailscaleStatus;
    try {
      status = await readStatus(fresh);
    } catch (err) {
      const reason = reasonOf(err);
      return { candidates: [], unavailable: { reason, hint: tailscaleHint(reason) } };
    }
    const down = stateReason(status.backendState);
    if (down) return { candidates: [], unavailable: { reason: down, hint: tailscaleHint(down) } };
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
      candidates.push(...serveCandidates(await readServe(fresh), status.magicDnsName ?? '', backend.port, scheme));
    } catch {
      // Without the serve config there are still the IP and MagicDNS endpoints.
    }
    return { candidates };
  }

  async function health(): Promise<ProviderHealth> {
    try {
      const [version, status] = await Promise.all([readVersion(), readStatus()]);
      const down = stateReason(status.backendState);
      return { available: down === null, version: version ?? status.version, reason: down, hint: down ? tailscaleHint(down) : null };
    } catch (err) {
      const reason = reasonOf(err);
      return { available: false, version: null, reason, hint: tailscaleHint(reason) };
    }
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { backend, signal } = ctx;
    const isFunnel = ctx.type === 'tailscale-funnel';
    const pinned = (isFunnel ? FunnelOptions : ServeOptions).parse(ctx.options).httpsPort;
    const verb = isFunnel ? 'funnel' : 'serve';
    // Set at each attempt from the backend's scheme: a TLS-only backend is proxied as https.
    let target = originFor(backend.port, 'http');
    // What this exposure holds in the serve config; restored from state after a restart, so a
    // handler added before it is still known as endpointd's own.
    let mount: ServeMount | null = mountFromOwned(ctx.owned);
    let waitingForApproval = false;

    const fail = (reason: TailscaleReason, error?: string): 'failed' => {
      ctx.update({ state: 'failed', reason, hint: tailscaleHint(reason, { detail: error ?? reason }), error: error ?? reason });
      return 'failed';
    };
    const record = (m: ServeMount | null) => {
      mount = m;
      return m ? { ...m } : {};
    };

    /** Runs `serve|funnel --bg`; reports the approval link if the tailnet must enable Serve first. */
    async function add(port: number): Promise<'done' | 'waiting' | 'refused' | TailscaleReason> {
      const watchdog = new AbortController();
      const onAbort = () => watchdog.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const silence = setTimeout(() => watchdog.abort(), SERVE_TIMEOUT_MS);
      try {
        await cli.ensureServe({
          funnel: isFunnel,
          httpsPort: port,
          target,
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
                hint: tailscaleHint('serve-not-enabled'),
              });
            }
          },
        });
        return 'done';
      } catch (err) {
        const reason = reasonOf(err);
        if (reason === 'serve-config-conflict') return 'waiting'; // someone else was writing: try again shortly
        // "foreground listener already exists for port N", "already serving TCP": a listener our
        // read did not show yet. The next port is tried, not this one again.
        if (reason === 'serve-port-in-use') return 'refused';
        return reason;
      } finally {
        clearTimeout(silence);
        signal.removeEventListener('abort', onAbort);
      }
    }

    // One attempt: checks, the port, the CLI call, and confirmation that the handler exists.
    async function apply(): Promise<'active' | 'waiting' | 'failed'> {
      target = originFor(backend.port, await ctx.backendScheme());
      let status: TailscaleStatus;
      try {
        status = await readStatus(true);
      } catch (err) {
        return fail(reasonOf(err));
      }
      const down = stateReason(status.backendState);
      if (down === 'tailscale-starting') {
        ctx.update({ state: 'starting', reason: down, hint: tailscaleHint(down) });
        return 'waiting';
      }
      if (down) return fail(down);
      const host = status.magicDnsName;
      if (!host || !status.magicDnsEnabled) return fail('magicdns-not-enabled');
      if (status.certDomains.length === 0 && !waitingForApproval) return fail('https-not-enabled');
      if (isFunnel && !status.canFunnel) return fail('funnel-not-available');
      const ports = isFunnel ? HTTPS_PORTS.filter((p) => funnelAllows(status, p)) : [...HTTPS_PORTS];
      if (isFunnel && (pinned !== undefined ? !funnelAllows(status, pinned) : ports.length === 0)) {
        const allowed = status.funnelPorts.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ') || 'none';
        return fail('funnel-port-not-allowed', `the funnel-ports attribute allows ${allowed}`);
      }
      const refused = new Set<number>();
      for (let attempt = 0; attempt <= HTTPS_PORTS.length; attempt++) {
        let config: ServeConfig;
        try {
          config = await readServe(true);
        } catch (err) {
          return fail(reasonOf(err));
        }
        // Still in place from an earlier run (or before a restart): keep it.
        const held = mount && (pinned === undefined || pinned === mount.httpsPort) ? findMount(config, mount) : null;
        if (mount && held?.funnel === isFunnel) return activate(mount);
        const plan = planExposure(config, { host, backendPort: backend.port, funnel: isFunnel, pinned, ports, refused });
        if (!plan.ok) return fail(plan.reason, plan.message);
        if (plan.reuse) {
          // Someone else's handler, already serving this backend the wanted way: listed, never removed.
          return activate({
            host,
            httpsPort: plan.port,
            mountPath: '/',
            target: plan.reuse.proxy ?? target,
            funnel: isFunnel,
            added: false,
          });
        }
        // Recorded before the CLI runs: a crash right after it must not leave a handler nobody owns.
        ctx.update({
          state: 'starting',
          owned: record({ host, httpsPort: plan.port, mountPath: '/', target, funnel: isFunnel, added: true }),
        });
        const outcome = await add(plan.port);
        if (signal.aborted) return 'failed';
        if (outcome === 'refused') {
          refused.add(plan.port);
          continue;
        }
        if (outcome === 'waiting') return 'waiting';
        if (outcome !== 'done') {
          ctx.update({ state: 'starting', owned: record(null) });
          return fail(outcome);
        }
        // Exit 0 is not proof: confirm that the handler is really there.
        const confirmed = await readServe(true).catch(() => null);
        if (!confirmed || !findMount(confirmed, mount ?? { host, httpsPort: plan.port, mountPath: '/', target })) {
          return waitingForApproval ? 'waiting' : fail('tool-failed', `${verb} exited without adding the handler`);
        }
        return activate({ host, httpsPort: plan.port, mountPath: '/', target, funnel: isFunnel, added: true });
      }
      return fail('serve-port-in-use', `tailscale refused every HTTPS port tried (${[...refused].join(', ')})`);
    }

    function activate(m: ServeMount): 'active' {
      waitingForApproval = false;
      ctx.update({
        state: 'active',
        url: serveUrl({ host: m.host, port: m.httpsPort, scheme: 'https', mountPath: m.mountPath }),
        owned: record(m),
      });
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
      // Supervise: re-apply if the handler vanished or was replaced (tailscaled reset, a user's change).
      while (!signal.aborted) {
        await delay(config.superviseIntervalMs, signal);
        if (signal.aborted) break;
        const current = await readServe(true).catch(() => null);
        if (current && mount && !findMount(current, mount)) {
          // Gone or replaced: apply again. A handler that was never ours is not ours to hold any more.
          ctx.update({ state: 'starting', owned: record(mount.added ? mount : null) });
          break;
        }
      }
    }
    // Only a user's disable removes it; a daemon stop leaves it for the next start.
    if ((signal.reason as ExposureStopReason | undefined) === 'disabled' && mount) await removeMount(mount);
  }

  /** Removes exactly the mount endpointd added, if it is still what endpointd added. */
  async function removeMount(mount: ServeMount): Promise<void> {
    const current = await readServe(true).catch(() => null);
    const args = current ? removalArgs(current, mount) : null;
    if (args) await cli.disableServe(args).catch(() => undefined);
  }

  /** The backend of an exposure is gone (removed from the config): remove its handler if endpointd added it. */
  async function cleanup(ctx: { owned: Record<string, string | number | boolean> }): Promise<void> {
    const mount = mountFromOwned(ctx.owned);
    if (mount) await removeMount(mount);
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
