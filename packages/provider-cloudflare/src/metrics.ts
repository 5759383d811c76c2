import http from 'node:http';
import { VersionedConfig } from './ingress.js';

/** One metrics request: cloudflared's metrics server is on loopback and answers at once. */
export const METRICS_TIMEOUT_MS = 2_000;

/** GETs a path on cloudflared's metrics server; null when it does not answer. */
export function getMetrics(port: number, path: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: METRICS_TIMEOUT_MS, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** True once a tunnel connection is registered (/ready answers 200). */
export async function isReady(port: number): Promise<boolean> {
  return (await getMetrics(port, '/ready'))?.status === 200;
}

/**
 * What /ready says (metrics/readiness.go: 200 with readyConnections > 0, else 503 with 0), in
 * words for a hint; connections 0 when the metrics server does not answer at all.
 */
export async function readReadiness(port: number): Promise<{ connections: number; detail: string }> {
  const res = await getMetrics(port, '/ready');
  if (!res) return { connections: 0, detail: 'its metrics server does not answer' };
  let connections = 0;
  try {
    connections = Number((JSON.parse(res.body) as { readyConnections?: unknown }).readyConnections) || 0;
  } catch {
    // A 200 without the body still means connected.
  }
  if (res.status === 200) return { connections: Math.max(connections, 1), detail: 'connected' };
  return { connections: 0, detail: `/ready answered ${res.status} with ${connections} edge connections` };
}

/** The quick tunnel's hostname from /quicktunnel ({"hostname": "…"}, served as text/plain). */
export async function readQuickTunnelHostname(port: number): Promise<string | null> {
  const res = await getMetrics(port, '/quicktunnel');
  if (res?.status !== 200) return null;
  try {
    const host = (JSON.parse(res.body) as { hostname?: string }).hostname;
    return host && /^[a-z0-9.-]+$/i.test(host) ? host.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The configuration cloudflared runs with, and its version (-1 until a remotely managed tunnel gets its push). */
export async function readVersionedConfig(port: number): Promise<VersionedConfig | null> {
  const res = await getMetrics(port, '/config');
  if (res?.status !== 200) return null;
  try {
    return VersionedConfig.parse(JSON.parse(res.body));
  } catch {
    return null;
  }
}

/** A free loopback port for --metrics (always passed: without it cloudflared picks one itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
    server.on('error', reject);
  });
}
