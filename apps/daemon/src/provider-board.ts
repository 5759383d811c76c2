import { formatHint, type Provider, type ProviderHealth, type ProviderReport, type ProviderStatus } from '@endpointd/core';
import { healthProblem } from './api-errors.js';
import type { PluginFailure } from './plugin-loader.js';

/** Tool checks (e.g. `tailscale version`) are cached this long, off every request path. */
export const PROVIDER_HEALTH_TTL_MS = 30_000;
export const PROVIDER_HEALTH_TIMEOUT_MS = 3_000;

export interface BoardEntry {
  provider: Provider;
  source: string;
}

/** The state of every provider: its own health, its last discovery, and plugins that failed to load. */
export interface ProviderBoard {
  list(): Promise<ProviderStatus[]>;
  /** Records a discovery report; resolves true when the provider's availability changed. */
  report(report: ProviderReport): boolean;
  /** Forgets a provider's cached health (its exposure changed state, so its last error may have). */
  invalidate(id: string): void;
  /** Providers whose last discovery proposed unusable candidates, for /v1/health. */
  problems(): Array<{ code: string; message: string; hint?: string }>;
}

export function createProviderBoard(entries: BoardEntry[], failures: PluginFailure[]): ProviderBoard {
  const health = new Map<string, { at: number; value: Promise<ProviderHealth> }>();
  const lastReport = new Map<string, ProviderReport>();

  function healthOf(provider: Provider): Promise<ProviderHealth> {
    const cached = health.get(provider.id);
    if (cached && Date.now() - cached.at < PROVIDER_HEALTH_TTL_MS) return cached.value;
    const value = provider.health
      ? provider.health(AbortSignal.timeout(PROVIDER_HEALTH_TIMEOUT_MS)).catch(
          (err: unknown): ProviderHealth => ({
            available: false,
            version: null,
            reason: 'provider-failed',
            hint: formatHint('provider-failed', { provider: provider.id, detail: err instanceof Error ? err.message : String(err) }),
          }),
        )
      : Promise.resolve({ available: true, version: null, reason: null, hint: null });
    health.set(provider.id, { at: Date.now(), value });
    return value;
  }

  return {
    async list() {
      const statuses = await Promise.all(
        entries.map(async ({ provider, source }): Promise<ProviderStatus> => {
          const h = await healthOf(provider);
          const r = lastReport.get(provider.id);
          const discoveryFailed = r !== undefined && !r.available;
          return {
            id: provider.id,
            types: [...provider.types],
            exposureTypes: [...(provider.exposureTypes ?? [])],
            available: h.available && !discoveryFailed,
            version: h.version,
            reason: h.reason ?? (discoveryFailed ? r.reason : null),
            hint: h.hint ?? (discoveryFailed ? r.hint : null),
            source,
          };
        }),
      );
      for (const f of failures) {
        statuses.push({
          id: `plugin:${f.source}`,
          types: [],
          exposureTypes: [],
          available: false,
          version: null,
          reason: f.reason,
          hint: `${f.message}. ${f.hint}`,
          source: f.source,
        });
      }
      return statuses;
    },
    invalidate(id) {
      health.delete(id);
    },
    problems() {
      return [...lastReport.values()]
        .filter((r) => r.invalid.length > 0)
        .map((r) =>
          healthProblem('ENDPOINTD_PROVIDER_INVALID_CANDIDATE', {
            detail: `provider ${r.id} proposed ${r.invalid.length} unusable candidate(s): ${r.invalid.map((i) => `${JSON.stringify(i.url)} (${i.why})`).join('; ')}`,
            hint: 'They are left out of every list (see `endpoints list --all`); report it to the provider’s author.',
          }),
        );
    },
    report(report) {
      const before = lastReport.get(report.id);
      lastReport.set(report.id, report);
      return before === undefined ? !report.available : before.available !== report.available;
    },
  };
}
