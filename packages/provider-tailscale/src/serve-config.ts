import * as z from 'zod';

// The serve config as `tailscale serve status --json` prints it: json.MarshalIndent of
// ipn.ServeConfig (tailscale ipn/serve.go), `null` when there is none. Lenient like status.ts:
// only the fields read here, each nullable, unknown fields ignored.
const Handler = z.looseObject({ Proxy: z.string().nullish(), Path: z.string().nullish(), Text: z.string().nullish() });
const Web = z.record(z.string(), z.looseObject({ Handlers: z.record(z.string(), Handler.nullish()).nullish() }).nullish()).nullish();
// ipn.TCPPortHandler: HTTPS / HTTP for web listeners, TCPForward (+ TerminateTLS) for TCP forwards.
const Tcp = z
  .record(
    z.string(),
    z
      .looseObject({
        HTTPS: z.boolean().nullish(),
        HTTP: z.boolean().nullish(),
        TCPForward: z.string().nullish(),
        TerminateTLS: z.string().nullish(),
      })
      .nullish(),
  )
  .nullish();
const AllowFunnel = z.record(z.string(), z.boolean().nullish()).nullish();
const NodeConfig = z.looseObject({ TCP: Tcp, Web, AllowFunnel });
const RawServeConfig = z
  .looseObject({
    TCP: Tcp,
    Web,
    AllowFunnel,
    // ipn.ServeConfig.Services: "svc:name" → its own TCP/Web (hosts "name.<tailnet suffix>:port").
    Services: z.record(z.string(), z.looseObject({ TCP: Tcp, Web, Tun: z.boolean().nullish() }).nullish()).nullish(),
    // ipn.ServeConfig.Foreground: IPN-bus session id → the config of a `tailscale serve` running
    // in a terminal (without --bg); it lives as long as that session.
    Foreground: z.record(z.string(), NodeConfig.nullish()).nullish(),
  })
  .nullish();

/** Where a listener or handler comes from. */
export type ServeSource = 'background' | 'foreground' | 'service';

/** ipnlocal's serveType (tailscale ipn/ipnlocal/serve.go serveTypeFromPortHandler). */
export type ListenerKind = 'https' | 'http' | 'tcp' | 'tls-terminated-tcp';

/** One port the config listens on. Node listeners (background and foreground) share the node's ports. */
export interface ServeListener {
  port: number;
  kind: ListenerKind;
  source: ServeSource;
  /** "svc:name" for a Service listener, else null. */
  service: string | null;
  /** The host a Service is served under (its own address), else null (the node's name). */
  host: string | null;
  /** TCPForward target for tcp listeners ("127.0.0.1:5432", "unix:/…"), else null. */
  forward: string | null;
  funnel: boolean;
}

/** One web handler: a mount path on a host:port. */
export interface ServeHandler {
  /** The name it is served under: the node's MagicDNS name, or a Service's name. */
  host: string;
  port: number;
  /** https for HTTPS listeners (TCP[N].HTTPS), http for plain-HTTP ones (TCP[N].HTTP). */
  scheme: 'https' | 'http';
  mountPath: string;
  /** The proxy target as stored, or null for file/text handlers. */
  proxy: string | null;
  funnel: boolean;
  source: ServeSource;
  service: string | null;
}

/** The whole serve config, flattened. */
export interface ServeConfig {
  listeners: ServeListener[];
  handlers: ServeHandler[];
  /** host:port keys with AllowFunnel set, with or without handlers (a stale flag still makes a port public). */
  funnel: string[];
}

/** Splits "host:port" (ipn.HostPort: no implicit port, always a colon). */
function splitHostPort(hp: string): { host: string; port: number } | null {
  const m = /^(.*):(\d{1,5})$/.exec(hp);
  return m?.[1] ? { host: m[1], port: Number(m[2]) } : null;
}

function kindOf(h: { HTTPS?: boolean | null; HTTP?: boolean | null; TCPForward?: string | null; TerminateTLS?: string | null }) {
  if (h.HTTP) return 'http';
  if (h.HTTPS) return 'https';
  if (h.TerminateTLS) return 'tls-terminated-tcp';
  if (h.TCPForward) return 'tcp';
  return null;
}

type RawNode = z.infer<typeof NodeConfig>;

function flatten(
  raw: RawNode,
  source: ServeSource,
  service: string | null,
  serviceHost: string | null,
  into: ServeConfig,
  allowFunnel: RawNode['AllowFunnel'],
): void {
  const funnelOn = (hp: string) => allowFunnel?.[hp] === true;
  for (const [portText, h] of Object.entries(raw.TCP ?? {})) {
    const kind = h ? kindOf(h) : null;
    const port = Number(portText);
    if (!kind || !Number.isInteger(port)) continue;
    // Funnel is per host:port; a TCP forward has no Web key, so any AllowFunnel key on its port counts.
    const funnel = Object.keys(allowFunnel ?? {}).some((hp) => splitHostPort(hp)?.port === port && funnelOn(hp));
    into.listeners.push({ port, kind, source, service, host: serviceHost, forward: h?.TCPForward || null, funnel });
  }
  for (const [hp, web] of Object.entries(raw.Web ?? {})) {
    const at = splitHostPort(hp);
    if (!at) continue;
    const tcp = raw.TCP?.[String(at.port)];
    for (const [mountPath, h] of Object.entries(web?.Handlers ?? {})) {
      into.handlers.push({
        host: at.host,
        port: at.port,
        scheme: tcp?.HTTP ? 'http' : 'https',
        mountPath,
        proxy: h?.Proxy || null,
        funnel: funnelOn(hp),
        source,
        service,
      });
    }
  }
  for (const [hp, on] of Object.entries(allowFunnel ?? {})) if (on === true && !into.funnel.includes(hp)) into.funnel.push(hp);
}

/**
 * Parses `tailscale serve status --json` into every listener and handler it holds: background,
 * foreground sessions and Services. An empty config comes back as null, {} or no output.
 */
export function parseServeConfig(stdout: string): ServeConfig {
  const text = stdout.trim();
  const raw = text === '' ? null : RawServeConfig.parse(JSON.parse(text));
  const config: ServeConfig = { listeners: [], handlers: [], funnel: [] };
  if (!raw) return config;
  flatten(raw, 'background', null, null, config, raw.AllowFunnel);
  for (const fg of Object.values(raw.Foreground ?? {})) if (fg) flatten(fg, 'foreground', null, null, config, fg.AllowFunnel);
  for (const [name, svc] of Object.entries(raw.Services ?? {})) {
    if (!svc) continue;
    // A Service's Web keys carry its full name ("name.<suffix>:port"); its listeners are on the
    // Service's own address, so they never take one of the node's ports.
    const host =
      Object.keys(svc.Web ?? {})
        .map((hp) => splitHostPort(hp)?.host)
        .find(Boolean) ?? null;
    flatten(svc, 'service', name, host, config, null);
  }
  return config;
}

/** A proxy or forward target split into parts; null for text, file and unix-socket targets. */
export interface ProxyTarget {
  scheme: string;
  host: string;
  port: number;
  path: string;
}

/**
 * Parses a target in every form the CLI stores (ipn.ExpandProxyTargetValue): `http://127.0.0.1:P`,
 * `http://localhost:P`, `https+insecure://…`, a path after the port, `127.0.0.1:P` (TCPForward),
 * a bare port, and `http://::1:P` — for `[::1]` the CLI writes the host back without brackets
 * (`u.Host = fmt.Sprintf("%s:%d", u.Hostname(), port)`), so the port is after the last colon.
 */
export function parseProxyTarget(target: string | null): ProxyTarget | null {
  if (!target) return null;
  const t = target.trim();
  if (/^\d{1,5}$/.test(t)) return { scheme: 'http', host: '127.0.0.1', port: Number(t), path: '/' };
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\[[^\]]+\]|[^/]*?):(\d{1,5})(\/.*)?$/i.exec(t);
  if (!m?.[2] || !m[3]) return null;
  const scheme = (m[1] ?? 'tcp').toLowerCase();
  if (scheme === 'unix') return null;
  return { scheme, host: m[2].replace(/^\[|\]$/g, '').toLowerCase(), port: Number(m[3]), path: m[4] ?? '/' };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);

/** Whether a target points at this machine's `port` (loopback, or the unspecified address). */
export function targetsPort(target: string | null, port: number): boolean {
  const t = parseProxyTarget(target);
  return t !== null && t.port === port && (LOOPBACK.has(t.host) || /^127\./.test(t.host));
}

/** The URL a handler is reached at: default ports left out, the mount path kept. */
export function serveUrl(handler: { host: string; port: number; scheme: 'https' | 'http'; mountPath: string }): string {
  const defaultPort = handler.scheme === 'https' ? 443 : 80;
  const port = handler.port === defaultPort ? '' : `:${handler.port}`;
  const path = handler.mountPath.startsWith('/') ? handler.mountPath : `/${handler.mountPath}`;
  return `${handler.scheme}://${handler.host}${port}${path.endsWith('/') ? path : `${path}/`}`;
}

/** HTTPS ports endpointd tries, in order; Funnel further limits them to the funnel-ports attribute. */
export const HTTPS_PORTS = [443, 8443, 10000] as const;
