import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DaemonEventName } from '@endpointd/core';

/** Comment lines keep proxies and clients from timing out an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A subscriber that lets this much pile up unread is dropped, so it cannot hold memory or slow others. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Subscribers at once; one more is refused (503), so clients cannot exhaust memory or sockets. */
export const DEFAULT_MAX_SUBSCRIBERS = 1024;

/** Events kept for replay to a client that reconnects with Last-Event-ID. */
export const REPLAY_EVENTS = 512;

interface Subscriber {
  res: ServerResponse;
  /** Only events of this backend (null: all). */
  backend: string | null;
  /** Live events held back while the snapshot is written first; null once live. */
  queue: string[] | null;
  /**
   * The connection, when the response is a chunked HTTP/1.1 body whose headers are sent: events
   * are then written to it as ready-made chunks (see chunkOf), one buffer shared by every
   * subscriber, instead of each response framing and encoding its own copy.
   */
  socket: Socket | null;
  /** Chunks for `socket` published this turn, written together when the turn ends (see flush). */
  pending: Buffer[] | null;
}

/** One HTTP/1.1 chunk (size line, data, CRLF), as the response would frame it. */
function chunkOf(text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

/** One event to write ahead of the live ones (a snapshot). */
export interface OpeningEvent {
  event: DaemonEventName;
  data: unknown;
}

/** Fans daemon events out to Server-Sent-Events subscribers. */
export interface EventHub {
  /** False when the hub is full: the caller answers 503 instead. */
  canSubscribe(): boolean;
  /**
   * Adds a subscriber. With a Last-Event-ID of this daemon run still in the replay buffer, the
   * missed events are replayed; otherwise `snapshot()` is written first (after a `reset` when an
   * id could not be resumed). Live events published meanwhile follow, in order.
   */
  subscribe(
    res: ServerResponse,
    backend: string | null,
    lastEventId: string | undefined,
    snapshot: () => Promise<OpeningEvent[]>,
  ): Promise<void>;
  publish(event: DaemonEventName, data: unknown, backend: string | null): void;
  readonly size: number;
  close(): void;
}

export function createEventHub(options: { heartbeatMs?: number; maxSubscribers?: number } = {}): EventHub {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxSubscribers = options.maxSubscribers ?? DEFAULT_MAX_SUBSCRIBERS;
  const subscribers = new Set<Subscriber>();
  // Ids are "<run>.<n>": an id from an earlier run of the daemon cannot be resumed, and says so.
  const run = Date.now().toString(36);
  let nextId = 1;
  const replay: Array<{ n: number; backend: string | null; chunk: string }> = [];
  const matches = (sub: Subscriber, backend: string | null) => sub.backend === null || backend === null || sub.backend === backend;
  const frame = (id: number, event: DaemonEventName, data: unknown) =>
    `id: ${run}.${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  // Events of one turn (a list, then its default move) leave as one write per subscriber, as a
  // response would send them. Every subscriber of a turn usually gets the same chunks, so they
  // are joined once and the joined buffer shared.
  let dirty: Subscriber[] = [];
  let joined: { parts: Buffer[]; buffer: Buffer } | null = null;
  const join = (parts: Buffer[]): Buffer => {
    if (parts.length === 1) return parts[0] as Buffer;
    if (joined?.parts.length === parts.length && joined.parts.every((p, i) => p === parts[i])) return joined.buffer;
    joined = { parts, buffer: Buffer.concat(parts) };
    return joined.buffer;
  };
  function flush(): void {
    const subs = dirty;
    dirty = [];
    for (const sub of subs) {
      const parts = sub.pending;
      sub.pending = null;
      if (!parts || !sub.socket || sub.res.destroyed) continue;
      sub.socket.write(join(parts));
      dropIfBehind(sub);
    }
    joined = null;
  }
  function dropIfBehind(sub: Subscriber): void {
    if ((sub.socket ?? sub.res).writableLength > MAX_BUFFERED_BYTES) {
      subscribers.delete(sub);
      sub.res.destroy();
    }
  }

  function write(sub: Subscriber, chunk: string, framed?: Buffer): void {
    if (sub.queue) {
      sub.queue.push(chunk);
      return;
    }
    if (sub.res.destroyed) {
      subscribers.delete(sub);
      return;
    }
    if (sub.socket) {
      if (sub.pending) sub.pending.push(framed ?? chunkOf(chunk));
      else {
        sub.pending = [framed ?? chunkOf(chunk)];
        if (dirty.push(sub) === 1) process.nextTick(flush);
      }
      return;
    }
    sub.res.write(chunk);
    dropIfBehind(sub);
  }

  const heartbeat = setInterval(() => {
    for (const sub of subscribers) write(sub, `: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();

  return {
    canSubscribe: () => subscribers.size < maxSubscribers,
    async subscribe(res, backend, lastEventId, snapshot) {
      const chunked = (res as { chunkedEncoding?: boolean }).chunkedEncoding === true && res.headersSent;
      const sub: Subscriber = { res, backend, queue: [], socket: chunked && res.socket ? res.socket : null, pending: null };
      subscribers.add(sub);
      res.on('close', () => subscribers.delete(sub));
      const opening: string[] = ['retry: 3000\n: connected\n\n'];
      const [idRun, idN] = (lastEventId ?? '').split('.');
      const resumeFrom = Number(idN);
      const oldest = replay[0]?.n ?? nextId;
      if (lastEventId && idRun === run && Number.isInteger(resumeFrom) && resumeFrom >= oldest - 1 && resumeFrom < nextId) {
        for (const e of replay) if (e.n > resumeFrom && matches(sub, e.backend)) opening.push(e.chunk);
      } else {
        if (lastEventId) opening.push(frame(nextId - 1, 'reset', { reason: idRun === run ? 'too-far-behind' : 'daemon-restarted' }));
        const id = nextId - 1; // a client that reconnects after the snapshot resumes from here
        for (const e of await snapshot()) opening.push(frame(id, e.event, e.data));
      }
      const queued = sub.queue ?? [];
      sub.queue = null;
      for (const chunk of [...opening, ...queued]) write(sub, chunk);
    },
    publish(event, data, backend) {
      const n = nextId++;
      const chunk = frame(n, event, data);
      replay.push({ n, backend, chunk });
      if (replay.length > REPLAY_EVENTS) replay.shift();
      // Framed once for every subscriber: fan-out is then one socket write each.
      let framed: Buffer | undefined;
      for (const sub of subscribers) {
        if (!matches(sub, backend)) continue;
        if (sub.socket) framed ??= chunkOf(chunk);
        write(sub, chunk, framed);
      }
    },
    get size() {
      return subscribers.size;
    },
    close() {
      clearInterval(heartbeat);
      flush(); // what this turn published goes out before the streams end
      for (const sub of subscribers) sub.res.end();
      subscribers.clear();
    },
  };
}
