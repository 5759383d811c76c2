import type { ExposeContext } from './provider.js';
import type { Reason } from './schema/reason.js';
import type { SupervisedFailure } from './supervisor.js';

/** `Provider.watch` listeners, and the call that tells them the provider's candidates changed. */
export function createChangeNotifier(): { notify(): void; watch(onChange: () => void): () => void } {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const l of listeners) l();
    },
    watch(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

/** How an exposure says it is not up, the same way for every provider. */
export interface ExposureReporter {
  /**
   * `failed`, with the reason's hint; `permanent` ends supervision until it is enabled again.
   * `retrying` (a dropped connection being restored) reports `starting` with the reason instead.
   */
  fail(reason: Reason, error: string, how?: { permanent?: boolean | undefined; retrying?: boolean }): void;
  /** For `supervise`'s onDown: failed while starting or when permanent; starting again, with why, when it dropped while up. */
  down(failure: SupervisedFailure & { phase: 'start' | 'run' }): void;
}

export function createExposureReporter(
  ctx: Pick<ExposeContext, 'update'>,
  hint: (reason: Reason, detail: string) => string,
): ExposureReporter {
  const fail: ExposureReporter['fail'] = (reason, error, how = {}) => {
    const detail = error.slice(0, 300);
    ctx.update({
      state: how.retrying ? 'starting' : 'failed',
      reason,
      hint: hint(reason, detail),
      error: detail,
      ...(how.permanent ? { permanent: true } : {}),
    });
  };
  return {
    fail,
    down(failure) {
      fail(failure.reason, failure.error, { permanent: failure.permanent, retrying: failure.phase === 'run' && !failure.permanent });
    },
  };
}
