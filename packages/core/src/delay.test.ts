import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backoffDelay, delay } from './delay.js';
import { createLineTail } from './line-tail.js';

describe('delay and backoff', () => {
  it('resolves early when aborted', async () => {
    const c = new AbortController();
    const started = performance.now();
    const p = delay(10_000, c.signal);
    c.abort();
    await p;
    expect(performance.now() - started).toBeLessThan(1_000);
  });
  it('leaves no abort listener behind once the time is up (issue 9.11)', async () => {
    const c = new AbortController();
    for (let i = 0; i < 20; i++) await delay(1, c.signal);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });
  it('doubles per failure up to the cap, within ±20 %', () => {
    expect(backoffDelay(0, 1_000, 60_000, () => 0.5)).toBe(1_000);
    expect(backoffDelay(3, 1_000, 60_000, () => 0.5)).toBe(8_000);
    expect(backoffDelay(30, 1_000, 60_000, () => 0.5)).toBe(60_000);
    expect(backoffDelay(1, 1_000, 60_000, () => 0)).toBe(1_600);
    expect(backoffDelay(1, 1_000, 60_000, () => 1)).toBe(2_400);
  });
});

describe('line tail', () => {
  it('keeps the last complete lines that pass the filter', () => {
    const tail = createLineTail(2, { keep: (l) => !l.startsWith('debug'), transform: (l) => l.toUpperCase() });
    tail.push('one\ndebug x\ntw');
    tail.push('o\nthree\nfour (no newline yet)');
    expect(tail.lines).toEqual(['TWO', 'THREE']);
  });
});
