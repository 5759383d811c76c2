import type { CandidateInput } from '@endpointd/core';
import { parseProxyTarget, type ServeConfig, type ServeHandler, serveUrl, targetsPort } from './serve-config.js';

// The decisions endpointd takes over a serve config: which port an exposure may use, what it may
// reuse, what it may remove, and which endpoints the config holds for a backend. Pure functions,
// run in unit tests over configs the real CLI produces (test-fixtures/upstream-serve-configs.ts).

/** Exactly what an exposure added (or found and reuses) in the serve config. */
export interface ServeMount {
  host: string;
  httpsPort: number;
  mountPath: string;
  /** The proxy target as the CLI stores it. */
  target: string;
  funnel: boolean;
  /** True only when endpointd added this handler; a handler found in place is never removed. */
  added: boolean;
}

/** What an exposure wants. */
export interface ExposureWish {
  /** The node's MagicDNS name. */
  host: string;
  backendPort: number;
  funnel: boolean;
  /** The port the user asked for, if any. */
  pinned?: number | undefined;
  /** Ports to try in order when not pinned (Funnel: only those its funnel-ports attribute allows). */
  ports: readonly number[];
  /** Ports the CLI refused during this attempt: the next one is tried instead. */
  refused?: ReadonlySet<number>;
}

export type ExposurePlan =
  | { ok: true; port: number; reuse: ServeHandler | null }
  | { ok: false; reason: 'serve-port-in-use'; message: string };

const ROOT = '/';

/** Node listeners (background and foreground) on a port; Services listen on their own addresses. */
function nodeListeners(config: ServeConfig, port: number) {
  return config.listeners.filter((l) => l.source !== 'service' && l.port === port);
}

/** A background HTTPS handler at `/` of host:port that proxies to this backend, with the wanted funnel setting. */
export function reusableHandler(config: ServeConfig, wish: ExposureWish, port: number): ServeHandler | null {
  if (nodeListeners(config, port).some((l) => l.source === 'foreground')) return null;
  return (
    config.handlers.find(
      (h) =>
        h.source === 'background' &&
        h.host === wish.host &&
        h.port === port &&
        h.scheme === 'https' &&
        h.mountPath === ROOT &&
        targetsPort(h.proxy, wish.backendPort) &&
        // A tailnet-only exposure never reuses a public handler, and Funnel never reuses (and
        // so never widens) a tailnet-only one.
        h.funnel === wish.funnel,
    ) ?? null
  );
}

/** Nothing listens on the port for the node and no AllowFunnel flag is left on it. */
export function isPortFree(config: ServeConfig, port: number): boolean {
  return nodeListeners(config, port).length === 0 && !config.funnel.some((hp) => hp.endsWith(`:${port}`));
}

/** What holds a port, in the user's words (for the serve-port-in-use message). */
export function describePort(config: ServeConfig, host: string, port: number): string {
  const parts: string[] = [];
  for (const l of nodeListeners(config, port)) {
    if (l.source === 'foreground') parts.push(`a foreground \`tailscale serve\` session`);
    else if (l.kind === 'tcp' || l.kind === 'tls-terminated-tcp') parts.push(`a TCP forward to ${l.forward ?? 'another target'}`);
  }
  for (const h of config.handlers) {
    if (h.source === 'service' || h.port !== port || h.host !== host) continue;
    const what = h.proxy ?? 'a file or text handler';
    parts.push(`${h.mountPath === ROOT ? what : `${what} at ${h.mountPath}`}${h.funnel ? ' (public, Funnel)' : ''}`);
  }
  if (parts.length === 0 && config.funnel.some((hp) => hp.endsWith(`:${port}`))) parts.push('a Funnel flag with no handler');
  return [...new Set(parts)].join(', ') || 'another listener';
}

/**
 * Chooses the port: a handler already serving this backend the wanted way is reused (never
 * removed later); otherwise the first port nobody uses. A port that holds anything else
 * (another target, another mount, a foreground session, a TCP forward, a Funnel flag) is never
 * shared: adding to it would change what is served there, and `serve` on a Funnel port turns
 * Funnel off for it (cmd/tailscale/cli/serve_v2.go applyFunnel).
 */
export function planExposure(config: ServeConfig, wish: ExposureWish): ExposurePlan {
  const refused = wish.refused ?? new Set<number>();
  const kind = wish.funnel ? 'Funnel' : 'Serve';
  if (wish.pinned !== undefined) {
    const port = wish.pinned;
    const reuse = reusableHandler(config, wish, port);
    if (!refused.has(port) && (reuse || isPortFree(config, port))) return { ok: true, port, reuse };
    const free = wish.ports.find((p) => p !== port && !refused.has(p) && isPortFree(config, p));
    return {
      ok: false,
      reason: 'serve-port-in-use',
      message: `HTTPS port ${port} already serves ${describePort(config, wish.host, port)}; ${kind} does not share it${free ? `; ${free} is free` : ''}`,
    };
  }
  const reusePorts = config.handlers.filter((h) => reusableHandler(config, wish, h.port) === h).map((h) => h.port);
  const order = wish.funnel ? [...wish.ports] : [...new Set([...reusePorts, ...wish.ports])];
  for (const port of order) {
    if (refused.has(port)) continue;
    const reuse = reusableHandler(config, wish, port);
    if (reuse) return { ok: true, port, reuse };
  }
  for (const port of order) if (!refused.has(port) && isPortFree(config, port)) return { ok: true, port, reuse: null };
  const held = order.map((p) => `${p}: ${refused.has(p) ? 'refused by tailscale' : describePort(config, wish.host, p)}`).join('; ');
  return { ok: false, reason: 'serve-port-in-use', message: `no HTTPS port is free for ${kind} (${held})` };
}

/** The handler an exposure recorded, if it is still there exactly as recorded (same target at the same mount). */
export function findMount(
  config: ServeConfig,
  mount: Pick<ServeMount, 'host' | 'httpsPort' | 'mountPath' | 'target'>,
): ServeHandler | null {
  return (
    config.handlers.find(
      (h) =>
        h.source === 'background' &&
        h.host === mount.host &&
        h.port === mount.httpsPort &&
        h.mountPath === mount.mountPath &&
        h.proxy === mount.target,
    ) ?? null
  );
}

/**
 * The CLI call that removes exactly one mount, or null when it must stay: not added by
 * endpointd, or no longer what endpointd added. `--set-path` makes `off` remove only that mount
 * (without it the CLI removes every mount on the port: serve_v2.go removeWebServe); when it was
 * the last one, tailscaled also drops the port's TCP entry and its Funnel flag (ipn/serve.go
 * RemoveWebHandler with cleanupFunnel).
 */
export function removalArgs(config: ServeConfig, mount: ServeMount): string[] | null {
  if (!mount.added || !findMount(config, mount)) return null;
  return ['serve', `--https=${mount.httpsPort}`, `--set-path=${mount.mountPath}`, 'off'];
}

/** Reads an exposure's recorded mount back from state (OwnedSetup is a flat record). */
export function mountFromOwned(owned: Record<string, string | number | boolean> | undefined): ServeMount | null {
  if (!owned) return null;
  const { host, httpsPort, mountPath, target, funnel, added } = owned;
  if (typeof host !== 'string' || typeof httpsPort !== 'number' || typeof mountPath !== 'string' || typeof target !== 'string') return null;
  return { host, httpsPort, mountPath, target, funnel: funnel === true, added: added === true };
}

/** Every endpoint the config holds for a backend: web handlers (any mount, HTTP or HTTPS), TCP forwards, Services, foreground sessions. */
export function serveCandidates(
  config: ServeConfig,
  nodeHost: string,
  backendPort: number,
  backendScheme: 'http' | 'https',
): CandidateInput[] {
  const out: CandidateInput[] = [];
  const label = (base: string, source: string, service: string | null) =>
    source === 'service' ? `${base}, Service ${service}` : source === 'foreground' ? `${base}, foreground session` : base;
  for (const h of config.handlers) {
    if (!targetsPort(h.proxy, backendPort)) continue;
    const path = parseProxyTarget(h.proxy)?.path ?? ROOT;
    const kind = h.funnel ? 'Tailscale Funnel (public' : 'Tailscale Serve (tailnet';
    const where = `${h.scheme.toUpperCase()}${h.mountPath === ROOT ? '' : ` at ${h.mountPath}`}${path === ROOT ? '' : `, to ${path}`})`;
    out.push({
      type: h.funnel ? 'tailscale-funnel' : 'tailscale-serve',
      url: serveUrl(h),
      label: label(`${kind} ${where}`, h.source, h.service),
    });
  }
  for (const l of config.listeners) {
    if ((l.kind !== 'tcp' && l.kind !== 'tls-terminated-tcp') || !targetsPort(l.forward, backendPort)) continue;
    // A Service with only TCP has no Web key naming it: its name is "name.<tailnet suffix>".
    const host = l.host ?? (l.service ? `${l.service.replace(/^svc:/, '')}.${nodeHost.split('.').slice(1).join('.')}` : nodeHost);
    // TLS-terminated: tailscaled speaks TLS and forwards plain bytes; otherwise the bytes are the backend's own.
    const scheme = l.kind === 'tls-terminated-tcp' ? 'https' : backendScheme;
    out.push({
      type: l.funnel ? 'tailscale-funnel' : 'tailscale-serve',
      url: serveUrl({ host, port: l.port, scheme, mountPath: ROOT }),
      label: label(
        `Tailscale ${l.funnel ? 'Funnel' : 'Serve'} TCP forward${l.kind === 'tls-terminated-tcp' ? ' (TLS terminated)' : ''}`,
        l.source,
        l.service,
      ),
    });
  }
  return out;
}
