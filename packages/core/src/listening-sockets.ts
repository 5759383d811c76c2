import { readFile } from 'node:fs/promises';
import type { ListenState } from './schema/api.js';

const TCP_LISTEN_STATE = '0A';
const PROC_TCP_FILES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** One listening TCP socket: bound address and port. */
export interface ListeningSocket {
  address: string;
  port: number;
  /** The socket's inode (links in /proc/PID/fd name it): who owns the socket. */
  inode?: number;
}

// /proc/net/tcp stores IPv4 as one little-endian 32-bit hex word, IPv6 as four of them.
function decodeProcAddress(hex: string): string {
  if (hex.length === 8) {
    return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(Number.parseInt(w.slice(i, i + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  const full = groups.join(':');
  if (full === '0:0:0:0:0:ffff:0:0') return '::ffff:0.0.0.0';
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Parses the text of /proc/net/tcp or tcp6 into its listening sockets. */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== TCP_LISTEN_STATE) continue;
    const [addressHex, portHex] = (fields[1] ?? '').split(':');
    if (!addressHex || !portHex) continue;
    sockets.push({ address: decodeProcAddress(addressHex), port: Number.parseInt(portHex, 16), inode: Number(fields[9] ?? 0) });
  }
  return sockets;
}

/** How long one read of /proc/net/tcp{,6} serves every caller (refreshes of many backends at once). */
export const LISTEN_SNAPSHOT_TTL_MS = 200;

// /proc/net/tcp lists every socket, TIME_WAIT ones included: after thousands of probes it grows
// to megabytes and the kernel takes tens of ms to render it. One read (shared while in flight,
// then kept briefly) serves all backends instead of one read per backend per provider.
let snapshot: { at: number; value: Promise<ListeningSocket[] | null> } | null = null;

async function readListeningSockets(): Promise<ListeningSocket[] | null> {
  let texts: string[];
  try {
    texts = await Promise.all(PROC_TCP_FILES.map((file) => readFile(file, 'utf8').catch(() => '')));
  } catch {
    return null;
  }
  if (texts.every((t) => t === '')) return null;
  return texts.flatMap(parseProcNetTcp);
}

/** Every listening socket of this network namespace; null where /proc/net is not available. */
export function listeningSockets(maxAgeMs = LISTEN_SNAPSHOT_TTL_MS): Promise<ListeningSocket[] | null> {
  const now = performance.now();
  if (!snapshot || now - snapshot.at > maxAgeMs) snapshot = { at: now, value: readListeningSockets() };
  return snapshot.value;
}

/**
 * Reads which addresses listen on `port`, without spawning anything (Linux /proc, per network
 * namespace). Resolves null where /proc/net is not available (macOS, Windows).
 */
export async function readListenState(port: number, maxAgeMs = LISTEN_SNAPSHOT_TTL_MS): Promise<ListenState | null> {
  const sockets = await listeningSockets(maxAgeMs);
  if (sockets === null) return null;
  const addresses = new Set<string>();
  for (const socket of sockets) if (socket.port === port) addresses.add(socket.address);
  return { listening: addresses.size > 0, addresses: [...addresses] };
}
