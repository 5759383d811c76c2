import * as z from 'zod';

// cloudflared's metrics /config (metrics/metrics.go → orchestration/orchestrator.go
// GetVersionedConfigJSON): {"version": N, "config": {"ingress": [rule…], "warp-routing": …,
// "originRequest": …}}. Each rule is ingress.Rule marshalled: hostname (string, "" for the
// catch-all), path (a regexp string or null), service (its String(): a URL, "http_status:404", …).
// A remotely managed (token) tunnel starts at version -1 with one rule, http_status:503
// (ingress/ingress.go newDefaultOrigin), until the edge pushes the dashboard's configuration
// (Orchestrator.UpdateConfig): /ready can turn 200 before that.
const Rule = z.looseObject({ hostname: z.string().nullish(), path: z.string().nullish(), service: z.unknown() });
export const VersionedConfig = z.looseObject({
  version: z.number().int(),
  config: z.looseObject({ ingress: z.array(Rule).nullish() }).nullish(),
});
export type VersionedConfig = z.infer<typeof VersionedConfig>;

export type IngressChoice = { ok: true; hostname: string } | { ok: false; error: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** Whether a rule's service is this backend: http(s) to a loopback host on `port`. */
export function serviceIsOrigin(service: unknown, port: number): boolean {
  if (typeof service !== 'string') return false;
  let url: URL;
  try {
    url = new URL(service);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const p = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return LOOPBACK.has(host) && p === port;
}

/**
 * Picks the public hostname of a pushed configuration whose rule serves this backend. Wildcard
 * hostnames (no single URL to verify) and rules with a path (the root is elsewhere) are passed
 * over, and the error says so; a hostname the user asked for must be one of those rules. Never
 * the first hostname of another service.
 */
export function chooseIngressHostname(config: VersionedConfig, port: number, wanted?: string): IngressChoice {
  const rules = (config.config?.ingress ?? []).filter((r) => r.hostname);
  const described: string[] = [];
  for (const r of rules) {
    const hostname = (r.hostname ?? '').toLowerCase();
    const mine = serviceIsOrigin(r.service, port);
    const service = typeof r.service === 'string' ? r.service : 'another service';
    if (wanted && hostname !== wanted.toLowerCase()) continue;
    if (!mine) described.push(`${hostname} → ${service}`);
    else if (hostname.includes('*')) described.push(`${hostname} → ${service} (a wildcard has no single URL to verify)`);
    else if (r.path) described.push(`${hostname}${r.path} → ${service} (path-only: the backend's root is not there)`);
    else return { ok: true, hostname };
  }
  const origin = `http://localhost:${port}`;
  if (wanted && described.length === 0) return { ok: false, error: `the tunnel's configuration has no public hostname ${wanted}` };
  return {
    ok: false,
    error: `no public hostname of this tunnel serves ${origin}${described.length ? ` (found: ${described.join('; ')})` : ' (it has none)'}`,
  };
}
