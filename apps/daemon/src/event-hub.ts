import type { ServerResponse } from 'node:http';
import type { DaemonEventName } from '@endpointd/core';

/** Comment lines keep proxies and clients from timing out an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A subscriber that lets this much pile up unread is dropped, so it cannot hold memory or slow others. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Subscribers at once; one more is refused (503), so clients cannot exhaust memory or sockets. */
export const DEFAULT_MAX_SUBSCRIBERS = 1024;

interface Subscriber {
  res: ServerResponse;
  /** Only events of this backend (null: all). */
  backend: string | null;
}

/** Fans daemon events out to Server-Sent-Events subscribers. */
export interface EventHub {
  /** False when the hub is full: the caller answers 503 instead. */
  canSubscribe(): boolean;
  subscribe(res: ServerResponse, backend: string | null): void;
  publish(event: DaemonEventName, data: unknown, backend: string | null): void;
  readonly size: number;
  close(): void;
}

export function createEventHub(options: { heartbeatMs?: number; maxSubscribers?: number } = {}): EventHub {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxSubscribers = options.maxSubscribers ?? DEFAULT_MAX_SUBSCRIBERS;
  const subscribers = new Set<Subscriber>();
  let nextId = 1;

  function write(sub: Subscriber, chunk: string): void {
    if (sub.res.destroyed) {
      subscribers.delete(sub);
      return;
    }
    sub.res.write(chunk);
    if (sub.res.writableLength > MAX_BUFFERED_BYTES) {
      subscribers.delete(sub);
      sub.res.destroy();
    }
  }

  const heartbeat = setInterval(() => {
    for (const sub of subscribers) write(sub, `: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();

  return {
    canSubscribe: () => subscribers.size < maxSubscribers,
    subscribe(res, backend) {
      const sub = { res, backend };
      subscribers.add(sub);
      res.on('close', () => subscribers.delete(sub));
      write(sub, 'retry: 3000\n: connected\n\n');
    },
    publish(event, data, backend) {
      const chunk = `id: ${nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const sub of subscribers) if (sub.backend === null || backend === null || sub.backend === backend) write(sub, chunk);
    },
    get size() {
      return subscribers.size;
    },
    close() {
      clearInterval(heartbeat);
      for (const sub of subscribers) sub.res.end();
      subscribers.clear();
    },
  };
}
