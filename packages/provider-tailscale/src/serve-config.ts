import * as z from 'zod';

const Handler = z.looseObject({ Proxy: z.string().nullish(), Path: z.string().nullish(), Text: z.string().nullish() });
const RawServeConfig = z
  .looseObject({
    TCP: z.record(z.string(), z.looseObject({ HTTPS: z.boolean().nullish(), HTTP: z.boolean().nullish() }).nullish()).nullish(),
    Web: z.record(z.string(), z.looseObject({ Handlers: z.record(z.string(), Handler.nullish()).nullish() }).nullish()).nullish(),
    AllowFunnel: z.record(z.string(), z.boolean().nullish()).nullish(),
  })
  .nullish();

/** One HTTPS handler of the serve config. */
export interface ServeHandler {
  /** The MagicDNS name it is served under. */
  host: string;
  httpsPort: number;
  mountPath: string;
  /** The proxy target, or null for file/text handlers. */
  proxy: string | null;
  funnel: boolean;
}

/** Parses `tailscale serve status --json`; an empty config comes back as {}, null or empty output. */
export function parseServeConfig(stdout: string): ServeHandler[] {
  const text = stdout.trim();
  const raw = text === '' ? null : RawServeConfig.parse(JSON.parse(text));
  const handlers: ServeHandler[] = [];
  for (const [hostPort, web] of Object.entries(raw?.Web ?? {})) {
    const m = /^(.*):(\d+)$/.exec(hostPort);
    if (!m?.[1]) continue;
    for (const [mountPath, h] of Object.entries(web?.Handlers ?? {})) {
      handlers.push({
        host: m[1],
        httpsPort: Number(m[2]),
        mountPath,
        proxy: h?.Proxy ?? null,
        funnel: raw?.AllowFunnel?.[hostPort] === true,
      });
    }
  }
  return handlers;
}

/** Whether a Proxy target points at this machine's `port`: 127.0.0.1, localhost, [::1], or a bare port. */
export function proxyTargetsPort(proxy: string | null, port: number): boolean {
  if (!proxy) return false;
  const p = proxy.trim();
  if (/^\d+$/.test(p)) return Number(p) === port;
  const m = /^(?:https?(?:\+insecure)?:\/\/)?(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)?:(\d+)\/?/i.exec(p);
  return m !== null && Number(m[2]) === port;
}

/** The URL a handler is reached at: https://host/ for 443, https://host:port/ otherwise, plus the mount path. */
export function serveUrl(handler: Pick<ServeHandler, 'host' | 'httpsPort' | 'mountPath'>): string {
  const port = handler.httpsPort === 443 ? '' : `:${handler.httpsPort}`;
  const path = handler.mountPath.startsWith('/') ? handler.mountPath : `/${handler.mountPath}`;
  return `https://${handler.host}${port}${path.endsWith('/') ? path : `${path}/`}`;
}

/** HTTPS ports Funnel accepts; Serve may use any, these are offered first. */
export const HTTPS_PORTS = [443, 8443, 10000] as const;
