import { type Backend, delay, type Endpoint, type ExposureType, formatHint, type Reason, type Registry } from '@endpointd/core';

export type ExposureVerdict =
  | { ok: true; endpoint: Endpoint }
  | { ok: false; reason: Reason; error: string; hint: string }
  /** The signal aborted, or `stale()` said a newer URL replaced this one: nothing to report. */
  | { ok: null };

/**
 * Checks that an exposure's URL reaches this backend, as discovery would, again every interval
 * within the window (a new HTTPS name can take a while to get its certificate). Every failure
 * comes with a reason and something to do.
 */
export async function verifyExposureUrl(options: {
  registry: Registry;
  backend: Backend;
  providerId: string;
  type: ExposureType;
  url: string;
  signal: AbortSignal;
  windowMs: number;
  intervalMs: number;
  stale: () => boolean;
}): Promise<ExposureVerdict> {
  const deadline = Date.now() + options.windowMs;
  for (;;) {
    const [endpoint] = await options.registry.verify(
      options.backend,
      [{ provider: options.providerId, type: options.type, url: options.url, label: options.type }],
      options.signal,
    );
    if (options.signal.aborted || options.stale()) return { ok: null };
    if (endpoint?.status === 'verified') return { ok: true, endpoint };
    if (Date.now() >= deadline) {
      const v = endpoint?.verification;
      const error = v?.error ?? 'not verified';
      return {
        ok: false,
        reason: v?.reason ?? 'exposure-unverified',
        error,
        hint: v?.hint ?? formatHint('exposure-unverified', { seconds: Math.round(options.windowMs / 1000), detail: error }),
      };
    }
    await delay(options.intervalMs, options.signal);
  }
}
