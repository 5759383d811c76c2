import { normalizeAddress } from './address.js';

/** Where a probe really connects, when ENDPOINTD_CONNECT_TO redirects it (like curl's --connect-to). */
export interface ConnectTarget {
  host: string;
  port: number;
}

export type ConnectToMap = ReadonlyMap<string, ConnectTarget>;

const ENTRY = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})=(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/;
const WILDCARD = '*.';

function key(host: string, port: number): string {
  return `${normalizeAddress(host)}:${port}`;
}

/**
 * Parses "host:port=addr:port,…". Throws a TypeError naming the bad entry: a typo here would
 * silently send probes to the real address.
 */
export function parseConnectTo(spec: string | undefined): ConnectToMap {
  const map = new Map<string, ConnectTarget>();
  if (!spec) return map;
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = ENTRY.exec(entry);
    if (!m) throw new TypeError(`ENDPOINTD_CONNECT_TO: "${entry}" is not host:port=addr:port`);
    const [, fromHost = '', fromPort = '', toHost = '', toPort = ''] = m;
    map.set(key(fromHost, Number(fromPort)), { host: normalizeAddress(toHost), port: Number(toPort) });
  }
  return map;
}

/**
 * The address and port to dial for host:port. An entry for `*.example.com:443` matches every
 * subdomain (tunnels get random names); an exact entry wins over a wildcard.
 */
export function resolveConnectTarget(map: ConnectToMap, host: string, port: number): ConnectTarget {
  const exact = map.get(key(host, port));
  if (exact) return exact;
  const name = normalizeAddress(host);
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const wild = map.get(`${WILDCARD}${name.slice(dot + 1)}:${port}`);
    if (wild) return wild;
  }
  return { host: name, port };
}

/** The map with one exact entry added (a name probed at an address found another way). */
export function withConnectEntry(map: ConnectToMap, host: string, port: number, target: ConnectTarget): ConnectToMap {
  const copy = new Map(map);
  copy.set(key(host, port), { host: normalizeAddress(target.host), port: target.port });
  return copy;
}
