import { type CandidateInput, createRegistry, EMPTY_STATE, type Provider } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendBook } from './backend-book.js';
import { createDaemonEmitter } from './daemon-events.js';
import { createEndpointCache, signatureOf } from './endpoint-cache.js';
import { createStateStore } from './state-store.js';
import { startHttpBackend, staticBackend, tempHome } from './testing/in-process.js';

/** A provider that proposes the backend on loopback, counts its discoveries, and can be held. */
function countingProvider() {
  const state = { calls: 0, gate: Promise.resolve(), extra: [] as CandidateInput[] };
  const provider: Provider = {
    id: 'counting',
    types: ['loopback', 'custom'],
    async discover(ctx) {
      state.calls++;
      await state.gate;
      return {
        candidates: [{ type: 'loopback', url: `http://127.0.0.1:${ctx.backend.port}/`, label: 'loopback' }, ...state.extra],
      };
    },
  };
  return { provider, state };
}

describe('endpoint cache (unit, real registry and backend on loopback)', () => {
  let backend: Awaited<ReturnType<typeof startHttpBackend>>;
  beforeAll(async () => {
    backend = await startHttpBackend('cache');
  });
  afterAll(async () => {
    await backend.close();
  });
  const setup = () => {
    const { provider, state } = countingProvider();
    const book = createBackendBook([staticBackend('app', backend.port)], EMPTY_STATE, createStateStore(tempHome()));
    const events = createDaemonEmitter();
    const announced: string[] = [];
    events.on('endpoints', (l) => announced.push(l.backend));
    const cache = createEndpointCache(createRegistry({ providers: [provider] }), book, events);
    return { cache, state, announced, book };
  };

  it('answers concurrent requests with one discovery, and serves it from memory afterwards', async () => {
    const { cache, state } = setup();
    const lists = await Promise.all(Array.from({ length: 20 }, () => cache.get('app')));
    expect(state.calls).toBe(1);
    expect(new Set(lists.map((l) => l.etag)).size).toBe(1);
    await cache.get('app');
    expect(state.calls).toBe(1);
  });

  it('coalesces refreshes asked for during a run into exactly one more run, dropping none', async () => {
    const { cache, state } = setup();
    let open: () => void = () => undefined;
    state.gate = new Promise<void>((r) => (open = r));
    const first = cache.get('app', { refresh: true });
    const more = Array.from({ length: 10 }, () => cache.get('app', { refresh: true }));
    open();
    await Promise.all([first, ...more]);
    expect(state.calls).toBe(2);
  });

  it('announces a list only when something a client sees changed, not a new latency', async () => {
    const { cache, state, announced } = setup();
    await cache.get('app');
    await cache.get('app', { refresh: true });
    expect(announced).toEqual(['app']);
    state.extra = [{ type: 'custom', url: `http://localhost:${backend.port}/`, label: 'custom' }];
    const changed = await cache.get('app', { refresh: true });
    expect(announced).toEqual(['app', 'app']);
    expect(
      signatureOf({
        ...changed.list,
        endpoints: changed.list.endpoints.map((e) => ({ ...e, verification: { ...e.verification, latencyMs: 999 } })),
      }),
    ).toBe(signatureOf(changed.list));
  });

  it('does not cache again a backend removed while its refresh ran', async () => {
    const { cache, state, announced } = setup();
    let open: () => void = () => undefined;
    state.gate = new Promise<void>((r) => (open = r));
    const pending = cache.get('app', { refresh: true });
    cache.forget('app');
    open();
    await pending;
    expect(announced).toEqual([]);
    expect(cache.refreshedAt('app')).toBeNull();
  });
});
