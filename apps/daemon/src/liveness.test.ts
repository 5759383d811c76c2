import http from 'node:http';
import type { EndpointList } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';
import { afterEach, describe, expect, it } from 'vitest';
import { listenSignatures, loopbackSignature, watchLiveness } from './liveness-watcher.js';
import { type InProcessDaemon, nextDaemonEvent, startHttpBackend, startInProcess, staticBackend } from './testing/in-process.js';

describe('watchLiveness (unit)', () => {
  it('calls back only for a backend whose listening addresses changed, never on its first sight', async () => {
    let sockets = [
      { address: '127.0.0.1', port: 3000 },
      { address: '0.0.0.0', port: 4000 },
    ];
    const ports = new Map([
      ['a', 3000],
      ['b', 4000],
    ]);
    const changed: string[] = [];
    let ticks = 0;
    let tickSeen: () => void = () => undefined;
    const stop = watchLiveness({
      ports: () => ports,
      onChange: (name) => changed.push(name),
      intervalMs: 5,
      readSockets: async () => {
        ticks++;
        tickSeen();
        return sockets;
      },
    });
    const nextTicks = (n: number) =>
      new Promise<void>((resolve) => {
        const target = ticks + n;
        tickSeen = () => {
          if (ticks >= target) resolve();
        };
      });
    await nextTicks(2);
    expect(changed).toEqual([]);
    sockets = [{ address: '0.0.0.0', port: 4000 }]; // a stopped
    await nextTicks(2);
    expect(changed).toEqual(['a']);
    sockets = [
      { address: '0.0.0.0', port: 4000 },
      { address: '::', port: 4000 },
    ]; // b now also on IPv6
    await nextTicks(2);
    expect(changed).toEqual(['a', 'b']);
    stop();
  });
  it('summarises addresses per port, order-independent', () => {
    const a = listenSignatures(
      [
        { address: '::', port: 1 },
        { address: '0.0.0.0', port: 1 },
        { address: '::', port: 2 },
      ],
      [1, 3],
    );
    expect(a).toEqual(
      new Map([
        [1, '0.0.0.0,::'],
        [3, ''],
      ]),
    );
  });
  it('falls back to a loopback connection where /proc is missing', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    expect(await loopbackSignature(port)).toBe('127.0.0.1,');
    await new Promise<void>((r) => server.close(() => r()));
    expect(await loopbackSignature(port)).toBe(',');
  });
});

describe('liveness within 2 s, without ?refresh (issue 11.1)', () => {
  let d: InProcessDaemon | undefined;
  afterEach(async () => {
    await d?.close();
    d = undefined;
  });

  it('announces a stopped backend and a restarted one, and the cached list says so', async () => {
    let backend = await startHttpBackend('live');
    const port = backend.port;
    d = await startInProcess({ backends: [staticBackend('app', port)], providers: [createLanProvider()] });
    const loopbackOf = (list: EndpointList) => list.endpoints.find((e) => e.type === 'loopback');
    const cached = async () => (await d?.call('GET', '/v1/backends/app/endpoints'))?.json() as EndpointList;
    const nextList = async (predicate: (list: EndpointList) => boolean, withinMs: number) => ({
      list: await nextDaemonEvent(d as InProcessDaemon, 'endpoints', predicate, withinMs),
    });
    expect(loopbackOf(await cached())?.status).toBe('verified');

    const stopped = nextList((l) => loopbackOf(l)?.status === 'unreachable', 2_000);
    await backend.close();
    const down = await stopped;
    expect(loopbackOf(down.list)?.verification).toMatchObject({ reason: 'backend-not-listening' });
    expect(loopbackOf(down.list)?.verification.hint).toMatch(
      /^Nothing is listening on port \d+ on this machine \(the backend stopped listening/,
    );
    expect(loopbackOf(await cached())?.status).toBe('unreachable');

    const started = nextList((l) => loopbackOf(l)?.status === 'verified', 2_000);
    const server = http.createServer((_req, res) => res.end(JSON.stringify({ id: 'live' })));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    backend = { port, close: () => new Promise<void>((r) => server.close(() => r())) };
    await started;
    expect(loopbackOf(await cached())?.status).toBe('verified');
    await backend.close();
  });
});
