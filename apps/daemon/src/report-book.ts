import type { ClientOutcome, ClientReport, EndpointReports } from '@endpointd/core';

/** How long a device's result counts: long enough to span a walk to the phone, short enough to follow a network change. */
export const REPORT_TTL_MS = 15 * 60_000;
/** Devices remembered per backend (the least recently heard from is dropped first). */
export const MAX_CLIENTS_PER_BACKEND = 32;
/** Endpoints remembered per device (results for the oldest are dropped first). */
const MAX_RESULTS_PER_CLIENT = 128;

interface Stored {
  label: string | null;
  heardAt: number;
  results: Map<string, { ok: boolean; failure: ClientOutcome['failure']; latencyMs: number | null; at: number }>;
}

/**
 * What client devices reached, per backend and endpoint: the latest result of each device, kept
 * in memory only (observations of the moment, not settings), bounded and expiring.
 */
export interface ReportBook {
  /** Keeps the results for endpoints in `known`; answers what was kept and what was ignored. */
  record(backend: string, report: ClientReport, known: ReadonlySet<string>): { accepted: number; ignored: string[] };
  /** The recent results for one endpoint; undefined when no device reported it recently. */
  summary(backend: string, endpointId: string): EndpointReports | undefined;
  forget(backend: string): void;
}

export function createReportBook(options: { ttlMs?: number; now?: () => number } = {}): ReportBook {
  const ttlMs = options.ttlMs ?? REPORT_TTL_MS;
  const now = options.now ?? Date.now;
  const byBackend = new Map<string, Map<string, Stored>>();

  return {
    record(backend, report, known) {
      const clients = byBackend.get(backend) ?? new Map<string, Stored>();
      byBackend.set(backend, clients);
      const at = now();
      // Re-inserted so the map's order is least recently heard first.
      const stored = clients.get(report.client.id) ?? { label: null, heardAt: at, results: new Map() };
      clients.delete(report.client.id);
      stored.label = report.client.label ?? stored.label;
      stored.heardAt = at;
      clients.set(report.client.id, stored);
      const ignored: string[] = [];
      let accepted = 0;
      for (const r of report.results) {
        if (!known.has(r.endpointId)) {
          ignored.push(r.endpointId);
          continue;
        }
        stored.results.delete(r.endpointId);
        stored.results.set(r.endpointId, {
          ok: r.ok,
          failure: r.ok ? null : (r.failure ?? 'network'),
          latencyMs: r.latencyMs ?? null,
          at,
        });
        accepted++;
      }
      while (stored.results.size > MAX_RESULTS_PER_CLIENT) stored.results.delete(stored.results.keys().next().value as string);
      while (clients.size > MAX_CLIENTS_PER_BACKEND) clients.delete(clients.keys().next().value as string);
      return { accepted, ignored };
    },
    summary(backend, endpointId) {
      const clients = byBackend.get(backend);
      if (!clients) return undefined;
      const since = now() - ttlMs;
      const outcomes: ClientOutcome[] = [];
      for (const [clientId, stored] of clients) {
        const r = stored.results.get(endpointId);
        if (!r || r.at < since) continue;
        outcomes.push({
          clientId,
          label: stored.label,
          ok: r.ok,
          failure: r.failure,
          latencyMs: r.latencyMs,
          at: new Date(r.at).toISOString(),
        });
      }
      if (outcomes.length === 0) return undefined;
      outcomes.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.clientId < b.clientId ? -1 : 1));
      const reached = outcomes.filter((o) => o.ok).length;
      return { clients: outcomes, reached, failed: outcomes.length - reached, allFailed: reached === 0 };
    },
    forget(backend) {
      byBackend.delete(backend);
    },
  };
}
