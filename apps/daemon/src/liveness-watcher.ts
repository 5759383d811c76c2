import net from 'node:net';
import { type ListeningSocket, listeningSockets } from '@endpointd/core';

/**
 * How often the backends' listening sockets are compared. A read of /proc/net/tcp{,6} on a quiet
 * machine costs a fraction of a millisecond and spawns nothing, so a backend that stops or starts
 * is seen within this interval, and its list re-verified well within 2 s.
 */
export const LIVENESS_POLL_MS = 400;

/** Where /proc/net is missing (macOS): how long a loopback connection may take to say "listening". */
const LOOPBACK_PROBE_TIMEOUT_MS = 250;

export interface LivenessOptions {
  /** Backend name → port, read at every tick (backends come and go). */
  ports: () => ReadonlyMap<string, number>;
  /** Called with a backend whose listening addresses changed since the last tick. */
  onChange: (backend: string) => void;
  intervalMs?: number;
  /** Every listening socket; null where /proc/net is not available. @default listeningSockets */
  readSockets?: () => Promise<readonly ListeningSocket[] | null>;
  /** The fallback: which loopback addresses accept a connection on the port. */
  probeLoopback?: (port: number) => Promise<string>;
}

/** Which of 127.0.0.1 and ::1 accept a TCP connection on `port`: a light probe where /proc is missing. */
export async function loopbackSignature(port: number): Promise<string> {
  const accepts = (host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(LOOPBACK_PROBE_TIMEOUT_MS, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  const [v4, v6] = await Promise.all([accepts('127.0.0.1'), accepts('::1')]);
  return `${v4 ? '127.0.0.1' : ''},${v6 ? '::1' : ''}`;
}

/** The addresses listening on each port, as comparable strings. */
export function listenSignatures(sockets: readonly ListeningSocket[], ports: Iterable<number>): Map<number, string> {
  const byPort = new Map<number, Set<string>>();
  for (const port of ports) byPort.set(port, new Set());
  for (const s of sockets) byPort.get(s.port)?.add(s.address);
  return new Map([...byPort].map(([port, addresses]) => [port, [...addresses].sort().join(',')]));
}

/**
 * Watches whether each backend listens, and on which addresses, and calls onChange when that
 * changes: a backend that stops or starts is re-verified at once instead of at the next periodic
 * re-verification. A backend seen for the first time sets its baseline without a call.
 * Returns the stop function.
 */
export function watchLiveness(options: LivenessOptions): () => void {
  const intervalMs = options.intervalMs ?? LIVENESS_POLL_MS;
  const readSockets = options.readSockets ?? (() => listeningSockets(0));
  const probeLoopback = options.probeLoopback ?? loopbackSignature;
  const last = new Map<string, string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    const ports = options.ports();
    const sockets = await readSockets().catch(() => null);
    let signatures: Map<number, string>;
    if (sockets !== null) {
      signatures = listenSignatures(sockets, ports.values());
    } else {
      const unique = [...new Set(ports.values())];
      const probed = await Promise.all(unique.map(async (port) => [port, await probeLoopback(port)] as const));
      signatures = new Map(probed);
    }
    if (stopped) return;
    for (const name of [...last.keys()]) if (!ports.has(name)) last.delete(name);
    for (const [name, port] of ports) {
      const now = signatures.get(port) ?? '';
      const before = last.get(name);
      last.set(name, now);
      if (before !== undefined && before !== now) options.onChange(name);
    }
  }

  const schedule = (): void => {
    if (stopped) return;
    // One tick at a time: the next is scheduled when this one ends, never stacked.
    timer = setTimeout(() => void tick().finally(schedule), intervalMs);
    timer.unref();
  };
  void tick().finally(schedule);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
