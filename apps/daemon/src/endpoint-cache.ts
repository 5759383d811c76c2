import { createHash } from 'node:crypto';
import { createLimiter, type EndpointList, markDefault, type Registry, resolveDefault } from '@endpointd/core';
import type { BackendBook } from './backend-book.js';
import type { DaemonEmitter } from './daemon-events.js';

/** A cached list with its encoded JSON and ETag, made once per change rather than once per request. */
export interface CachedList {
  list: EndpointList;
  body: Buffer;
  etag: string;
}

function cachedOf(list: EndpointList): CachedList {
  const body = Buffer.from(JSON.stringify(list));
  return { list, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

interface Entry {
  cached?: CachedList;
  inflight?: Promise<CachedList>;
  refreshedAt?: number;
  /** What a client would notice: ids, statuses, reasons and the default; not latencies. */
  signature?: string;
}

function signatureOf(list: EndpointList): string {
  return JSON.stringify([
    list.endpoints.map((e) => [e.id, e.status, e.verification.reason, e.isDefault, e.tls?.trusted ?? null]),
    list.default,
    list.notice?.reason ?? null,
  ]);
}

/** Serves each backend's endpoint list from memory; concurrent refreshes of a backend share one run. */
export interface EndpointCache {
  get(name: string, options?: { refresh?: boolean }): Promise<CachedList>;
  /** Re-resolves the default from the cached list after the saved type changed (no probes). */
  applyDefaultType(name: string): Promise<CachedList>;
  refreshAll(): Promise<void>;
  forget(name: string): void;
  /** When the backend's list was last refreshed (ms epoch); null before the first. */
  refreshedAt(name: string): number | null;
}

/** Backends refreshed at once: with probes bounded daemon-wide, this bounds lists held half-built. */
export const MAX_CONCURRENT_REFRESHES = 8;

export function createEndpointCache(registry: Registry, book: BackendBook, events: DaemonEmitter): EndpointCache {
  const entries = new Map<string, Entry>();
  const limit = createLimiter(MAX_CONCURRENT_REFRESHES);
  const entryOf = (name: string): Entry => {
    let e = entries.get(name);
    if (!e) {
      e = {};
      entries.set(name, e);
    }
    return e;
  };

  function store(name: string, list: EndpointList): CachedList {
    const entry = entryOf(name);
    const cached = cachedOf(list);
    const signature = signatureOf(list);
    const changed = entry.signature !== undefined && entry.signature !== signature;
    const previousDefault = entry.cached?.list.default;
    entry.cached = cached;
    entry.signature = signature;
    if (changed) {
      events.emit('endpoints', list);
      if (JSON.stringify(previousDefault) !== JSON.stringify(list.default))
        events.emit('default', { backend: name, default: list.default });
    }
    return cached;
  }

  function refresh(name: string, fresh = false): Promise<CachedList> {
    const backend = book.get(name);
    const entry = entryOf(name);
    if (entry.inflight) return entry.inflight;
    const run = limit
      .run(() => registry.discover(backend, { savedDefaultType: book.defaultType(name), fresh }))
      // A backend removed while its refresh ran is answered once but not cached again.
      .then((list) => (entries.has(name) && book.list().some((b) => b.name === name) ? store(name, list) : cachedOf(list)))
      .finally(() => {
        entry.inflight = undefined;
        entry.refreshedAt = Date.now();
      });
    entry.inflight = run;
    return run;
  }

  return {
    async get(name, options = {}) {
      book.get(name); // 404 for an unknown backend before any work
      const cached = entryOf(name).cached;
      if (cached && !options.refresh) return cached;
      return await refresh(name, options.refresh === true);
    },
    async applyDefaultType(name) {
      const { list } = await this.get(name);
      const resolution = resolveDefault(list.endpoints, book.defaultType(name));
      return store(name, { ...list, endpoints: markDefault(list.endpoints, resolution), default: resolution });
    },
    async refreshAll() {
      await Promise.allSettled(book.list().map((b) => refresh(b.name)));
    },
    forget(name) {
      entries.delete(name);
    },
    refreshedAt: (name) => entries.get(name)?.refreshedAt ?? null,
  };
}
