import type { Provider, ProviderReport } from '@endpointd/core';
import { describe, expect, it } from 'vitest';
import { createProviderBoard } from './provider-board.js';

const provider = (id: string, health?: Provider['health']): Provider => ({
  id,
  types: ['custom'],
  discover: async () => ({ candidates: [] }),
  ...(health ? { health } : {}),
});
const report = (id: string, extra: Partial<ProviderReport> = {}): ProviderReport => ({
  id,
  available: true,
  durationMs: 1,
  candidates: 0,
  reason: null,
  hint: null,
  invalid: [],
  ...extra,
});

describe('provider board (unit)', () => {
  it('asks a tool for its health once per TTL, not once per request', async () => {
    let calls = 0;
    const board = createProviderBoard(
      [
        {
          provider: provider('tool', async () => {
            calls++;
            return { available: true, version: '1.2', reason: null, hint: null };
          }),
          source: 'builtin',
        },
      ],
      [],
    );
    await Promise.all([board.list(), board.list(), board.list()]);
    expect(calls).toBe(1);
    board.invalidate('tool');
    expect((await board.list())[0]).toMatchObject({ id: 'tool', available: true, version: '1.2' });
    expect(calls).toBe(2);
  });

  it('turns a throwing health check into provider-failed with a hint, not an error', async () => {
    const board = createProviderBoard(
      [
        {
          provider: provider('broken', async () => {
            throw new Error('boom');
          }),
          source: 'builtin',
        },
      ],
      [],
    );
    expect((await board.list())[0]).toMatchObject({ available: false, reason: 'provider-failed', hint: expect.stringContaining('boom') });
  });

  it('shows a failed discovery as unavailable, says when availability changed, and lists plugins that failed to load', async () => {
    const board = createProviderBoard(
      [{ provider: provider('lan'), source: 'builtin' }],
      [{ source: './p.mjs', reason: 'plugin-load-failed', message: 'cannot load ./p.mjs', hint: 'Check the path.' }],
    );
    expect(board.report(report('lan'))).toBe(false);
    expect(board.report(report('lan', { available: false, reason: 'provider-timed-out', hint: 'slow' }))).toBe(true);
    expect(board.report(report('lan', { available: false, reason: 'provider-timed-out', hint: 'slow' }))).toBe(false);
    const statuses = await board.list();
    expect(statuses[0]).toMatchObject({ id: 'lan', available: false, reason: 'provider-timed-out' });
    expect(statuses[1]).toMatchObject({ id: 'plugin:./p.mjs', available: false, reason: 'plugin-load-failed' });
  });

  it('reports unusable candidates a provider proposed as a health problem', () => {
    const board = createProviderBoard([{ provider: provider('plug'), source: 'x.mjs' }], []);
    board.report(report('plug', { invalid: [{ url: 'ftp://x', why: 'url: must be http(s)' }] }));
    expect(board.problems()).toEqual([
      expect.objectContaining({ code: 'ENDPOINTD_PROVIDER_INVALID_CANDIDATE', message: expect.stringContaining('ftp://x') }),
    ]);
  });
});
