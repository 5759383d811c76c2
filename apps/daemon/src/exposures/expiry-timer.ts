/** setTimeout's longest delay (2^31 - 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `due` at `atMs` (epoch ms), however far away: timers hold at most ~24.8 days, so longer
 * waits are re-armed in steps. Does not keep the process alive. Returns the cancel.
 */
export function armExpiry(atMs: number, due: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = atMs - now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(due, Math.max(0, left));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
