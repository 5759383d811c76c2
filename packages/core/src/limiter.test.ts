import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.js';

describe('limiter (issue 9.8)', () => {
  it('never runs more than max tasks at once, and runs them all', async () => {
    const limit = createLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit.active).toBe(0);
  });
  it('frees the slot of a task that throws', async () => {
    const limit = createLimiter(1);
    await expect(limit.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await limit.run(async () => 'next')).toBe('next');
  });
});
