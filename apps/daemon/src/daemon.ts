import { join } from 'node:path';
import {
  createPublicResolver,
  createRegistry,
  type DaemonConfig,
  type Health,
  type PluginSpec,
  type Provider,
  type Registry,
  reapOrphans,
} from '@endpointd/core';
import { healthProblem } from './api-errors.js';
import { type BackendBook, createBackendBook, type StaticBackend } from './backend-book.js';
import { createBuiltinProviders } from './builtin-providers.js';
import { createDaemonEmitter, type DaemonEmitter } from './daemon-events.js';
import { createDiscoveryWatcher, type DiscoveryWatcher } from './discovery-watcher.js';
import { createEndpointCache, type EndpointCache } from './endpoint-cache.js';
import { createEventHub, type EventHub } from './event-hub.js';
import { createExposureManager, type ExposureManager } from './exposure-manager.js';
import { HOME_FILES } from './home.js';
import { INTERFACE_POLL_MS, watchInterfaces } from './interface-watcher.js';
import { LIVENESS_POLL_MS, watchLiveness } from './liveness-watcher.js';
import { loadPlugins } from './plugin-loader.js';
import { createProviderBoard, type ProviderBoard } from './provider-board.js';
import { createReportBook, type ReportBook } from './report-book.js';
import { createSessionBook, type SessionBook } from './session-book.js';
import { createStateStore } from './state-store.js';
import { VERSION } from './version.js';

/** Every backend is re-verified this often, so a list never goes stale unnoticed. */
export const REVERIFY_INTERVAL_MS = 60_000;
/** Probe requests in flight at once over all backends: bounds sockets, memory and event-loop load. */
export const DEFAULT_MAX_PROBES_IN_FLIGHT = 64;
/** How often the re-verification scheduler looks for backends that are due. */
export const REVERIFY_TICK_MS = 1_000;

export interface DaemonOptions {
  home: string;
  backends: StaticBackend[];
  /** @default [] */
  plugins?: PluginSpec[];
  /** Folder relative plugin paths resolve from (the config file's). @default process.cwd() */
  pluginBaseDir?: string;
  /** @default REVERIFY_INTERVAL_MS */
  reverifyIntervalMs?: number;
  /** @default INTERFACE_POLL_MS */
  interfacePollMs?: number;
  /** Resolvers asked directly for just-minted tunnel names (public-dns.ts). */
  publicDnsServers?: readonly string[];
  /** When a tunnel without an edge connection turns unreachable, and when it is restarted. */
  tunnelStall?: DaemonConfig['tunnelStall'];
  /** How often the backends' listening sockets are compared (liveness-watcher.ts). */
  livenessPollMs?: number;
  /** @default createBuiltinProviders() */
  providers?: Provider[];
  /** @default registry defaults */
  probeTimeoutMs?: number;
  /** @default DEFAULT_MAX_BACKENDS */
  maxBackends?: number;
  /** @default EXPOSURE_STOP_TIMEOUT_MS */
  exposureStopTimeoutMs?: number;
  /** @default DEFAULT_MAX_PROBES_IN_FLIGHT */
  maxProbesInFlight?: number;
  /** @default DEFAULT_MAX_SUBSCRIBERS */
  maxSubscribers?: number;
  /** Watch listening services in the background. @default true */
  discovery?: boolean;
  /** App ids whose discovered services are adopted by themselves. @default [] */
  autoAdopt?: string[];
}

export type HealthProblem = Health['problems'][number];

/** The daemon's state and services; routes read and change it, nothing else does. */
export interface Daemon {
  readonly version: string;
  readonly home: string;
  /** Console login links and sessions. */
  readonly sessions: SessionBook;
  readonly startedAt: number;
  readonly problems: HealthProblem[];
  readonly registry: Registry;
  readonly book: BackendBook;
  readonly cache: EndpointCache;
  /** What client devices reached (POST …/reports). */
  readonly reports: ReportBook;
  readonly exposures: ExposureManager;
  readonly board: ProviderBoard;
  readonly events: DaemonEmitter;
  readonly hub: EventHub;
  readonly discovery: DiscoveryWatcher;
  close(): Promise<void>;
}

export async function createDaemon(options: DaemonOptions): Promise<Daemon> {
  const problems: HealthProblem[] = [];
  const store = createStateStore(options.home);
  const { state, problem } = await store.load();
  if (problem) {
    problems.push(
      healthProblem('ENDPOINTD_STATE_UNREADABLE', {
        detail: `state file ${problem.file} ${problem.error}`,
        hint: problem.movedTo
          ? `It was moved to ${problem.movedTo}; endpointd started with defaults. Restore from it if needed.`
          : 'endpointd started with defaults.',
      }),
    );
  }
  // Children a killed predecessor left behind (tunnels, ssh -R) go before anything starts again.
  reapOrphans(join(options.home, HOME_FILES.run));
  const builtins =
    options.providers ??
    createBuiltinProviders({ home: options.home, ...(options.tunnelStall ? { tunnelStall: options.tunnelStall } : {}) });
  const { loaded, failures } = await loadPlugins(
    options.plugins ?? [],
    options.pluginBaseDir ?? process.cwd(),
    new Set(builtins.map((p) => p.id)),
  );
  for (const f of failures) problems.push(healthProblem('ENDPOINTD_PLUGIN_FAILED', { source: f.source, detail: f.message, hint: f.hint }));
  const providers = [...builtins, ...loaded.map((l) => l.provider)];

  const events = createDaemonEmitter();
  const hub = createEventHub({ ...(options.maxSubscribers ? { maxSubscribers: options.maxSubscribers } : {}) });
  const registry = createRegistry({
    providers,
    maxProbesInFlight: options.maxProbesInFlight ?? DEFAULT_MAX_PROBES_IN_FLIGHT,
    ...(options.publicDnsServers ? { publicDns: createPublicResolver({ servers: options.publicDnsServers }) } : {}),
    ...(options.probeTimeoutMs ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
  });
  const book = createBackendBook(options.backends, state, store, { ...(options.maxBackends ? { maxBackends: options.maxBackends } : {}) });
  const reports = createReportBook();
  const cache = createEndpointCache(registry, book, events, reports);
  const board = createProviderBoard([...builtins.map((provider) => ({ provider, source: 'builtin' })), ...loaded], failures);
  const refreshSoon = (backend: string) => void cache.get(backend, { refresh: true }).catch(() => undefined);
  const exposures = createExposureManager({
    providers,
    registry,
    book,
    events,
    onEndpointsChanged: refreshSoon,
    ...(options.exposureStopTimeoutMs ? { stopTimeoutMs: options.exposureStopTimeoutMs } : {}),
  });

  events.on('endpoints', (list) => hub.publish('endpoints', list, list.backend));
  events.on('default', (change) => hub.publish('default', change, change.backend));
  events.on('exposure', (exposure) => {
    board.invalidate(exposure.provider);
    hub.publish('exposure', exposure, exposure.backend);
  });
  events.on('provider', (statuses) => hub.publish('provider', statuses, null));
  events.on('discovered', (change) => hub.publish('discovered', change, null));
  const discovery = createDiscoveryWatcher({
    book,
    events,
    enabled: options.discovery ?? true,
    ...(options.autoAdopt ? { autoAdopt: options.autoAdopt } : {}),
  });
  registry.on('provider', (report) => {
    if (board.report(report)) void board.list().then((statuses) => events.emit('provider', statuses));
  });

  const refreshAll = () => void cache.refreshAll();
  const stopWatching = watchInterfaces(refreshAll, options.interfacePollMs ?? INTERFACE_POLL_MS);
  // A backend that stops or starts listening is re-verified at once, not at the next minute.
  const stopLiveness = watchLiveness({
    ports: () => new Map(book.list().map((b) => [b.name, b.port])),
    onChange: refreshSoon,
    intervalMs: options.livenessPollMs ?? LIVENESS_POLL_MS,
  });
  const unwatchProviders = providers.map((p) => p.watch?.(refreshAll) ?? (() => undefined));
  const reverify = scheduleReverification(cache, book, options.reverifyIntervalMs ?? REVERIFY_INTERVAL_MS);

  for (const gone of await exposures.restore().catch(() => [])) {
    problems.push(
      healthProblem('ENDPOINTD_EXPOSURE_DROPPED', {
        detail: `the ${gone.type} exposure of "${gone.backend}" was stopped and forgotten: that backend no longer exists${gone.cleanupError ? `; removing what it had set up failed: ${gone.cleanupError}` : ''}`,
        hint: gone.cleanupError
          ? 'Check `endpoints doctor` and remove the leftover by hand (e.g. `tailscale serve status`).'
          : 'Add the backend again and enable the exposure if you still need it.',
      }),
    );
  }
  refreshAll(); // warm the cache so the first request is served from memory

  return {
    version: VERSION,
    home: options.home,
    sessions: createSessionBook(options.home),
    startedAt: Date.now(),
    problems,
    registry,
    book,
    cache,
    reports,
    exposures,
    board,
    events,
    hub,
    discovery,
    async close() {
      discovery.close();
      stopWatching();
      stopLiveness();
      for (const unwatch of unwatchProviders) unwatch();
      reverify();
      await exposures.close();
      hub.close();
    },
  };
}

/**
 * Re-verifies every backend once per interval, spread over it rather than all at once: each tick
 * refreshes the backends that are most overdue, no more than their fair share, so 500 backends
 * cost a steady trickle of probes instead of a burst every minute.
 */
export function scheduleReverification(
  cache: Pick<EndpointCache, 'get' | 'refreshedAt'>,
  book: Pick<BackendBook, 'list'>,
  intervalMs: number,
): () => void {
  const timer = setInterval(
    () => {
      const names = book.list().map((b) => b.name);
      const perTick = Math.max(1, Math.ceil((names.length * REVERIFY_TICK_MS) / intervalMs));
      const now = Date.now();
      const due = names
        .map((name) => ({ name, at: cache.refreshedAt(name) }))
        .filter((b) => b.at !== null && now - b.at >= intervalMs)
        .sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
        .slice(0, perTick);
      for (const b of due) void cache.get(b.name, { refresh: true }).catch(() => undefined);
    },
    Math.min(REVERIFY_TICK_MS, intervalMs),
  );
  timer.unref();
  return () => clearInterval(timer);
}
