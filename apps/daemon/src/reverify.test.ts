import type { BackendInfo } from '@endpointd/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduleReverification } from './daemon.js';

describe('periodic re-verification is spread over its interval (issue 9.8)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('refreshes the most overdue backends a fair share per tick, never all at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const refreshedAt = new Map<string, number>(Array.from({ length: 20 }, (_, i) => [`b${i}`, 0]));
    const perTick: number[] = [];
    let count = 0;
    const stop = scheduleReverification(
      {
        refreshedAt: (name) => refreshedAt.get(name) ?? null,
        get: async (name) => {
          count++;
          refreshedAt.set(name, Date.now());
          return undefined as never;
        },
      },
      { list: () => [...refreshedAt.keys()].map((name) => ({ name }) as BackendInfo) },
      2_000,
    );
    for (let t = 0; t < 5; t++) {
      await vi.advanceTimersByTimeAsync(1_000);
      perTick.push(count);
      count = 0;
    }
    stop();
    // 20 backends, 2 s interval, 1 s ticks: 10 a tick once due, every backend once per interval.
    expect(perTick).toEqual([0, 10, 10, 10, 10]);
  });
});
