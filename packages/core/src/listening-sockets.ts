import { closeSync, openSync, readSync } from 'node:fs';
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

/**
 * How long one read of /proc/net/tcp{,6} serves every caller: the refreshes of many backends
 * started together share it, while a socket opened since (a server that just started) is seen
 * by the next check. Kept short: the liveness watcher reads every 0.4 s, and a longer-lived
 * snapshot would hand out its view of the past.
 */
export const LISTEN_SNAPSHOT_TTL_MS = 25;

// /proc/net/tcp lists every socket, TIME_WAIT ones included: after thousands of probes it grows
// to megabytes, and reaching its end means the kernel walks the whole established hash (262 144
// buckets on a 24 GiB machine: ~0.4 ms per file even when it is empty). The kernel lists listening
// sockets first (tcp_seq_start: listening_get_idx, then established_get_idx) and renders only as
// much as each read asks for, so reading a few lines at a time and stopping at the first line in
// another state costs ~0.02 ms per file. One read (shared while fresh) serves every backend.
let snapshot: { at: number; value: Promise<ListeningSocket[] | null> } | null = null;

/** Lines rendered per read(2): small enough that the kernel stops soon after the listeners. */
const LINES_PER_READ = 16;
/** Bounds one scan (a machine with tens of thousands of listeners still finishes). */
const MAX_SCAN_BYTES = 8 * 1024 * 1024;

/** The header and the LISTEN lines of a /proc/net/tcp{,6} file; '' when it cannot be read. */
export function readListenLines(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    // Lines are fixed width (150 bytes in tcp, 178 in tcp6); this only sizes the reads.
    const buffer = Buffer.alloc(178 * LINES_PER_READ);
    let text = '';
    let pending = ''; // the partial last line of the previous read
    let header = true;
    for (;;) {
      // Sync on purpose: procfs renders from memory, and a few short reads cost less than the
      // thread-pool round trips of async ones.
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return text;
      const chunk = buffer.toString('latin1', 0, n);
      text += chunk;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        if (line.trim().split(/\s+/)[3] !== TCP_LISTEN_STATE) return text;
      }
      if (text.length >= MAX_SCAN_BYTES) return text;
    }
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

function readListeningSockets(): ListeningSocket[] | null {
  const texts = PROC_TCP_FILES.map(readListenLines);
  if (texts.every((t) => t === '')) return null;
  return texts.flatMap(parseProcNetTcp);
}

/** Every listening socket of this network namespace; null where /proc/net is not available. */
export function listeningSockets(maxAgeMs = LISTEN_SNAPSHOT_TTL_MS): Promise<ListeningSocket[] | null> {
  const now = performance.now();
  if (!snapshot || now - snapshot.at > maxAgeMs) snapshot = { at: now, value: Promise.resolve(readListeningSockets()) };
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
