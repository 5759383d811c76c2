import { Resolver } from 'node:dns/promises';

/**
 * Public resolvers asked directly for names a tunnel provider has just minted: Cloudflare,
 * Google and Quad9, over IPv4 and IPv6 (c-ares tries them in turn).
 */
export const DEFAULT_PUBLIC_DNS_SERVERS: readonly string[] = Object.freeze([
  '1.1.1.1',
  '8.8.8.8',
  '9.9.9.9',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
]);

/** One lookup's deadline over all servers; a name not found in time is simply looked up again later. */
export const PUBLIC_DNS_TIMEOUT_MS = 2_000;
/** The longest a positive answer is kept, whatever its TTL. */
const MAX_CACHE_MS = 5 * 60_000;

export type PublicLookup = { ok: true; address: string } | { ok: false; detail: string };

export interface PublicResolver {
  /**
   * The name's address as the public resolvers give it, never through this machine's resolver:
   * a lookup there before the name exists would cache the negative answer (for up to 30 min in
   * the resolver and the home router) and break the URL for every device behind them.
   */
  lookup(name: string, signal?: AbortSignal): Promise<PublicLookup>;
  readonly servers: readonly string[];
}

export interface PublicResolverOptions {
  /** "ip" or "ip:port" ("[v6]:port"). @default DEFAULT_PUBLIC_DNS_SERVERS */
  servers?: readonly string[];
  timeoutMs?: number;
}

/**
 * Asks the given servers directly (c-ares, not getaddrinfo: /etc/resolv.conf, nsswitch and the
 * local stub are never involved). Positive answers are kept for their TTL; a negative one is not
 * kept, so the next check asks again. Lookups of one name in flight at once share one query.
 */
export function createPublicResolver(options: PublicResolverOptions = {}): PublicResolver {
  const servers = [...(options.servers ?? DEFAULT_PUBLIC_DNS_SERVERS)];
  new Resolver().setServers(servers); // throws a TypeError at once for an address that is not one
  const timeoutMs = options.timeoutMs ?? PUBLIC_DNS_TIMEOUT_MS;
  const cache = new Map<string, { address: string; until: number }>();
  const inflight = new Map<string, Promise<PublicLookup>>();

  async function query(name: string): Promise<PublicLookup> {
    // One resolver per lookup: cancel() ends only this lookup's queries.
    const resolver = new Resolver({ timeout: Math.max(200, Math.floor(timeoutMs / Math.max(1, servers.length))), tries: 1 });
    resolver.setServers(servers);
    const timer = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
      const records = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      const first = records[0];
      if (first) {
        cache.set(name, { address: first.address, until: Date.now() + Math.min(MAX_CACHE_MS, Math.max(1, first.ttl) * 1000) });
        return { ok: true, address: first.address };
      }
      const err = (v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : null) as NodeJS.ErrnoException | null;
      return { ok: false, detail: describeDnsError(err?.code) };
    } finally {
      clearTimeout(timer);
    }
  }

  return Object.freeze({
    servers,
    lookup(name: string, signal?: AbortSignal): Promise<PublicLookup> {
      const key = name.toLowerCase();
      const hit = cache.get(key);
      if (hit && hit.until > Date.now()) return Promise.resolve({ ok: true, address: hit.address });
      let pending = inflight.get(key);
      if (!pending) {
        pending = query(key).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      if (!signal) return pending;
      return Promise.race([
        pending,
        new Promise<PublicLookup>((resolve) => {
          if (signal.aborted) resolve({ ok: false, detail: 'the check was stopped' });
          signal.addEventListener('abort', () => resolve({ ok: false, detail: 'the check was stopped' }), { once: true });
        }),
      ]);
    },
  });
}

/** A c-ares error code in words. */
function describeDnsError(code: string | undefined): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'the public resolvers do not know the name yet';
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return 'the public resolvers did not answer in time';
    case 'ECONNREFUSED':
      return 'the public resolvers refused the query';
    default:
      return 'the public resolvers gave no address';
  }
}
