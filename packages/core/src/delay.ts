import * as z from 'zod';

/** Waits `ms`, or less if `signal` aborts first; never rejects (supervision loops check the signal). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes when the timer fires: a long-lived signal must not collect one per call.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The wait before restarting something that failed `failures` times in a row: doubled per
 * failure from `initialMs` up to `maxMs`, with ±20 % jitter so many restarts do not align.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(Math.min(maxMs, initialMs * 2 ** Math.min(failures, 16)) * (0.8 + random() * 0.4));
}

/** The backoff settings of a supervised process (fields of a provider's options). */
export const BackoffOptions = z.object({
  /** First restart delay (ms), doubled per failure, ±20 % jitter, up to backoffMaxMs. @default 1000 */
  backoffInitialMs: z.number().int().min(10).default(1_000),
  /** @default 60000 */
  backoffMaxMs: z.number().int().min(10).default(60_000),
});
