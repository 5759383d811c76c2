import { createHash } from 'node:crypto';
import {
  attachReports,
  createLimiter,
  describeDefaultMove,
  type Endpoint,
  type EndpointList,
  markDefault,
  type Registry,
  resolveDefault,
  sortEndpoints,
} from '@endpointd/core';
import type { BackendBook } from './backend-book.js';
import type { DaemonEmitter } from './daemon-events.js';
import type { ReportBook } from './report-book.js';

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
  /** One more refresh, asked for while `inflight` ran: it starts when that one ends. */
  queued?: Promise<CachedList>;
  /** What a client would notice (see signatureOf). */
  signature?: string;
  refreshedAt?: number;
}

/** What a client shows of an endpoint: everything but the measured latency and the check time. */
function visible(e: Endpoint): unknown {
  const v = e.verification;
  return [
    e.id,
    e.label,
    e.status,
    e.scope,
    e.isDefault,
    e.connect?.command ?? null,
    v.reason,
    v.hint,
    v.identityStrength,
    v.websocket,
    e.tls ? [e.tls.trusted, e.tls.issuer, e.tls.validTo, e.tls.error] : null,
    e.browser,
    e.reports ?? null,
  ];
}

/**
 * A list's identity for events: membership, status, reason, hint, TLS, browser verdicts and the
 * default. Not latency, not the check time, and not order (sorted by id), so a refresh that finds
 * the same world announces nothing.
 */
export function signatureOf(list: EndpointList): string {
  return JSON.stringify([
    [...list.endpoints].sort((a, b) => a.id.localeCompare(b.id)).map(visible),
    list.default,
    list.notice,
    list.listen,
  ]);
}

/** Backends refreshed at once: with probes bounded daemon-wide, this bounds lists held half-built. */
export const MAX_CONCURRENT_REFRESHES = 4;

/** Serves each backend's endpoint list from memory; concurrent refreshes of a backend share one run. */
export interface EndpointCache {
  /**
   * The cached list, or a refreshed one with `refresh`. A refresh asked for while one runs gets
   * the next run, which starts when the running one ends (it may not have seen the change that
   * caused the request): requests coalesce into at most one more run, and none is dropped.
   */
  get(name: string, options?: { refresh?: boolean }): Promise<CachedList>;
  /**
   * Re-resolves the default from the cached list, with the current client reports, after the
   * saved type changed or a report arrived (no probes).
   */
  reresolveDefault(name: string): Promise<CachedList>;
  /** The cached list of a known backend, without waiting; null when there is none yet. */
  peek(name: string): CachedList | null;
  refreshAll(): Promise<void>;
  forget(name: string): void;
  /** When the backend's list was last refreshed (ms epoch); null before the first. */
  refreshedAt(name: string): number | null;
}

export function createEndpointCache(registry: Registry, book: BackendBook, events: DaemonEmitter, reports?: ReportBook): EndpointCache {
  const reportsOf = (name: string) => (id: string) => reports?.summary(name, id);
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
    const previous = entry.cached?.list ?? null;
    const signature = signatureOf(list);
    const cached = cachedOf(list); // fresh latencies are served, but announced only with a visible change
    // The first list is announced too: a subscriber whose snapshot came before it (list null) waits for it.
    const announce = entry.signature !== signature;
    entry.cached = cached;
    entry.signature = signature;
    if (announce) {
      events.emit('endpoints', list);
      if (JSON.stringify(previous?.default) !== JSON.stringify(list.default)) {
        events.emit('default', {
          backend: name,
          default: list.default,
          from: previous ? { type: previous.default.type, endpointId: previous.default.endpointId } : null,
          why: describeDefaultMove(previous, list),
        });
      }
    }
    return cached;
  }

  function start(name: string, fresh: boolean): Promise<CachedList> {
    const backend = book.get(name);
    const entry = entryOf(name);
    const run = limit
      .run(() =>
        registry.discover(backend, {
          savedDefaultType: book.defaultType(name),
          previousDefault: entry.cached?.list.default ?? null,
          fresh,
          ...(reports ? { reportsFor: reportsOf(name) } : {}),
        }),
      )
      // A backend removed while its refresh ran is answered once but not cached again.
      .then((list) => (entries.get(name) === entry && book.has(name) ? store(name, list) : cachedOf(list)))
      .finally(() => {
        entry.inflight = undefined;
        entry.refreshedAt = Date.now();
      });
    entry.inflight = run;
    return run;
  }

  function refresh(name: string, fresh = false): Promise<CachedList> {
    const entry = entryOf(name);
    if (!entry.inflight) return start(name, fresh);
    // The running refresh may have read the world before the change that asked for this one.
    entry.queued ??= entry.inflight
      .catch(() => undefined)
      .then(() => {
        entry.queued = undefined;
        return start(name, fresh);
      });
    return entry.queued;
  }

  return {
    async get(name, options = {}) {
      book.get(name); // 404 for an unknown backend before any work
      const entry = entryOf(name);
      if (entry.cached && !options.refresh) return entry.cached;
      // Nothing cached yet: a plain read joins the first run instead of queueing another.
      if (entry.inflight && !options.refresh) return await entry.inflight;
      return await refresh(name, options.refresh === true);
    },
    async reresolveDefault(name) {
      const { list } = await this.get(name);
      const endpoints = reports ? sortEndpoints(attachReports(list.endpoints, reportsOf(name))) : list.endpoints;
      const resolution = resolveDefault(endpoints, book.defaultType(name), list.default);
      return store(name, { ...list, endpoints: markDefault(endpoints, resolution), default: resolution });
    },
    peek(name) {
      return book.has(name) ? (entries.get(name)?.cached ?? null) : null;
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
