import { type BackendInfo, createServiceDiscovery, type DiscoveredService, readSocketStats, type ServiceDiscovery } from '@endpointd/core';
import type { BackendBook } from './backend-book.js';
import type { DaemonEmitter } from './daemon-events.js';
import { DomainError } from './domain-errors.js';

/**
 * How often the socket statistics are checked (~0.05 ms): when they change, the listening
 * services are re-read (/proc/net/tcp and owners, a few ms), so a service shows within a second.
 */
export const DISCOVERY_INTERVAL_MS = 500;
/** A full re-read at least this often, for what the statistics cannot show (a listener replaced by another). */
export const DISCOVERY_FULL_SCAN_MS = 10_000;

/** What runs on this machine, kept current; announced on change; adoptable as backends. */
export interface DiscoveryWatcher {
  /** The current list (a scan now if none was made yet); null where sockets cannot be read. */
  list(): Promise<DiscoveredService[] | null>;
  /** Makes a discovered service (by port or pid) a backend, with its label's identity check. */
  adopt(request: { port?: number; pid?: number; name?: string }): Promise<BackendInfo>;
  close(): void;
}

const signatureOf = (services: readonly DiscoveredService[]) =>
  JSON.stringify(services.map((s) => [s.port, s.pid, s.addresses, s.app.id, s.backend]));

export function createDiscoveryWatcher(deps: {
  book: BackendBook;
  events: DaemonEmitter;
  /** Watch in the background. @default true */
  enabled?: boolean;
  autoAdopt?: readonly string[];
  intervalMs?: number;
  discovery?: ServiceDiscovery;
  /** A cheap value that changes when sockets do. @default readSocketStats (Linux); elsewhere every tick scans */
  changeHint?: () => Promise<string | null>;
}): DiscoveryWatcher {
  const changeHint = deps.changeHint ?? (() => readSocketStats());
  let lastHint: string | null = null;
  let lastFullScan = 0;
  const discovery = deps.discovery ?? createServiceDiscovery();
  const autoAdopt = new Set(deps.autoAdopt ?? []);
  let current: DiscoveredService[] | null | undefined;
  let signature = '';
  let running: Promise<DiscoveredService[] | null> | null = null;

  const backends = () => deps.book.list().map((b) => ({ name: b.name, port: b.port }));

  async function adoptAutomatically(services: DiscoveredService[]): Promise<void> {
    for (const s of services) {
      if (!autoAdopt.has(s.app.id) || s.backend !== null) continue;
      await deps.book.add({ name: s.suggestedName, port: s.port, identity: s.identity }).catch(() => undefined); // taken name, cap: skip
    }
  }

  function scan(): Promise<DiscoveredService[] | null> {
    running ??= discovery
      .list(backends())
      .then(async (services) => {
        current = services;
        const next = services ? signatureOf(services) : '';
        if (services && next !== signature) {
          signature = next;
          deps.events.emit('discovered', { services });
          await adoptAutomatically(services);
        }
        return services;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  async function tick(): Promise<void> {
    const hint = await changeHint().catch(() => null);
    const due = hint === null || hint !== lastHint || Date.now() - lastFullScan >= DISCOVERY_FULL_SCAN_MS;
    if (!due) return;
    lastHint = hint;
    lastFullScan = Date.now();
    await scan();
  }

  const timer =
    deps.enabled === false ? null : setInterval(() => void tick().catch(() => undefined), deps.intervalMs ?? DISCOVERY_INTERVAL_MS);
  timer?.unref();

  return {
    async list() {
      const services = current === undefined || deps.enabled === false ? await scan() : current;
      // Backends change between scans (an adoption): which one serves a port is read now.
      const known = backends();
      return services?.map((s) => ({ ...s, backend: known.find((b) => b.port === s.port)?.name ?? null })) ?? null;
    },
    async adopt(request) {
      const services = (await scan()) ?? [];
      const found =
        request.port !== undefined
          ? services.find((s) => s.port === request.port && (request.pid === undefined || s.pid === request.pid))
          : services.find((s) => s.pid === request.pid);
      if (!found) {
        throw new DomainError('not-discovered', {
          which: request.port !== undefined ? `on port ${request.port}` : `of pid ${request.pid}`,
        });
      }
      return await deps.book.add({ name: request.name ?? found.suggestedName, port: found.port, identity: found.identity });
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
