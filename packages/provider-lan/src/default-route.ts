import { readFile } from 'node:fs/promises';

/** Interfaces carrying the default route, IPv4 and IPv6. */
export interface DefaultRoutes {
  ipv4: string | null;
  ipv6: string | null;
}

// RTF_UP; a reject route (RTF_REJECT, 0x0200) is not a way out.
const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;

/** Parses /proc/net/route: the lowest-metric 0.0.0.0/0 route that is up. */
export function parseIpv4Routes(text: string): string | null {
  let best: { iface: string; metric: number } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface = '', destination, , flagsHex = '0', , , metric = '0', mask] = f;
    const flags = Number.parseInt(flagsHex, 16);
    if (destination !== '00000000' || mask !== '00000000' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    if (!best || Number(metric) < best.metric) best = { iface, metric: Number(metric) };
  }
  return best?.iface ?? null;
}

/** Parses /proc/net/ipv6_route: the lowest-metric ::/0 route that is up, not via lo. */
export function parseIpv6Routes(text: string): string | null {
  let best: { iface: string; metric: number } | null = null;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [destination, prefix, , , , metricHex = '0', , , flagsHex = '0', iface = ''] = f;
    const flags = Number.parseInt(flagsHex, 16);
    if (destination !== '0'.repeat(32) || prefix !== '00' || iface === 'lo' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const metric = Number.parseInt(metricHex, 16);
    if (!best || metric < best.metric) best = { iface, metric };
  }
  return best?.iface ?? null;
}

/** Cheap on Linux (two small /proc reads). Elsewhere asks systeminformation, which this caches. */
export async function readDefaultRoutes(): Promise<DefaultRoutes> {
  const [v4, v6] = await Promise.all([
    readFile('/proc/net/route', 'utf8').catch(() => null),
    readFile('/proc/net/ipv6_route', 'utf8').catch(() => null),
  ]);
  if (v4 !== null || v6 !== null) {
    return { ipv4: v4 ? parseIpv4Routes(v4) : null, ipv6: v6 ? parseIpv6Routes(v6) : null };
  }
  return await readDefaultRoutesPortable();
}

let portableCache: { at: number; routes: DefaultRoutes } | null = null;
/** systeminformation spawns `route`/`netstat` on macOS: asked at most once a minute. */
const PORTABLE_CACHE_MS = 60_000;

async function readDefaultRoutesPortable(): Promise<DefaultRoutes> {
  if (portableCache && Date.now() - portableCache.at < PORTABLE_CACHE_MS) return portableCache.routes;
  const si = await import('systeminformation');
  const iface = await si.networkInterfaceDefault().catch(() => '');
  const routes = { ipv4: iface || null, ipv6: iface || null };
  portableCache = { at: Date.now(), routes };
  return routes;
}
