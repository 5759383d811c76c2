import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from './provider.js';
import { createRegistry } from './registry.js';
import { EndpointList } from './schema/api.js';

// A real HTTP backend on loopback; the providers are test inputs, the registry is what is tested.
let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const loopback: Provider = {
  id: 'loop',
  types: ['loopback'],
  discover: async ({ backend }) => ({ candidates: [{ type: 'loopback', url: `http://127.0.0.1:${backend.port}`, label: 'loopback' }] }),
};
const hanging: Provider = { id: 'hang', types: ['lan'], discover: () => new Promise(() => {}) };
const throwing: Provider = {
  id: 'boom',
  types: ['lan'],
  discover: async () => {
    throw new Error('kaput');
  },
};
const offType: Provider = {
  id: 'liar',
  types: ['lan'],
  discover: async () => ({ candidates: [{ type: 'cloudflare-quick', url: 'https://x.trycloudflare.com', label: 'x' }] }),
};

describe('registry', () => {
  it('reports a hanging and a throwing provider without delaying or breaking the others', async () => {
    const registry = createRegistry({
      providers: [loopback, hanging, throwing],
      providerTimeoutMs: 300,
      readListen: async () => ({ listening: true, addresses: ['127.0.0.1'] }),
    });
    const started = performance.now();
    const list = await registry.discover({ name: 'app', port });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(EndpointList.parse(list).endpoints.map((e) => [e.type, e.status])).toEqual([['loopback', 'verified']]);
    expect(list.providers.map((p) => [p.id, p.available, p.reason])).toEqual([
      ['loop', true, null],
      ['hang', false, 'provider-timed-out'],
      ['boom', false, 'provider-failed'],
    ]);
    expect(list.providers[2]?.hint).toContain('kaput');
  });
  it('drops candidates of types a provider did not declare', async () => {
    const registry = createRegistry({ providers: [offType], readListen: async () => null });
    expect((await registry.discover({ name: 'app', port })).endpoints).toEqual([]);
  });
  it('adds custom URLs from the backend as type custom, verified like the rest', async () => {
    const registry = createRegistry({ providers: [], readListen: async () => ({ listening: true, addresses: ['127.0.0.1'] }) });
    const list = await registry.discover({ name: 'app', port, customUrls: [{ url: `http://localhost:${port}/` }] });
    expect(list.endpoints).toMatchObject([{ type: 'custom', provider: 'core', status: 'verified', scope: 'this-machine' }]);
  });
  it('keeps a plugin’s “unavailable” to the closed reason set: an unknown reason is provider-failed, its words kept', async () => {
    const plugin = (id: string, reason: unknown, hint: unknown): Provider => ({
      id,
      types: ['custom'],
      discover: async () => ({ candidates: [], unavailable: { reason, hint } as never }),
    });
    const registry = createRegistry({
      providers: [
        plugin('odd', 'moon-phase', 'wait for the full moon'),
        plugin('known', 'logged-out', 'log in first'),
        plugin('bare', 'logged-out', ''),
      ],
      readListen: async () => null,
    });
    const list = await registry.discover({ name: 'app', port }, { verify: false });
    expect(list.providers.map((p) => [p.id, p.reason])).toEqual([
      ['odd', 'provider-failed'],
      ['known', 'logged-out'],
      ['bare', 'logged-out'],
    ]);
    expect(list.providers[0]?.hint).toMatch(/The odd provider failed \(moon-phase: wait for the full moon\)/);
    expect(list.providers[1]?.hint).toBe('log in first');
    expect(list.providers[2]?.hint).toMatch(/logged out of Tailscale/); // no hint given: the reason's own
  });
  it('emits a provider event per provider', async () => {
    const registry = createRegistry({ providers: [loopback], readListen: async () => null });
    const seen: string[] = [];
    registry.on('provider', (r) => seen.push(r.id));
    await registry.discover({ name: 'app', port }, { verify: false });
    expect(seen).toEqual(['loop']);
  });
});
