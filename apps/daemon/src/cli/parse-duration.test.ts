import { describe, expect, it } from 'vitest';
import { parseDuration } from './parse-options.js';

describe('endpoints enable --for DURATION', () => {
  it('reads 90s, 30m, 1h, 8h, 2d and 1h30m', () => {
    expect(['90s', '30m', '1h', '8h', '2d', '1h30m'].map((v) => parseDuration('enable', '--for', v))).toEqual([
      90_000, 1_800_000, 3_600_000, 28_800_000, 172_800_000, 5_400_000,
    ]);
  });
  it('refuses anything else with the flag named', () => {
    for (const bad of ['', '1', 'h', '1x', '0s', '31d', '1h foo', '-1h']) {
      expect(() => parseDuration('enable', '--for', bad), bad).toThrow(/--for must be a duration from 1s to 30d/);
    }
  });
});
