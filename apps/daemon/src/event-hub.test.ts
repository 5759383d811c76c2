import http, { type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEventHub, MAX_BUFFERED_BYTES, REPLAY_EVENTS } from './event-hub.js';

/** A real stream that accepts writes but never drains: a subscriber that stopped reading. */
function stalled(): Writable {
  return new Writable({ highWaterMark: 1024, write: () => undefined });
}
function reading(sink: string[]): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      sink.push(chunk.toString());
      done();
    },
  });
}

describe('event hub', () => {
  const none = async () => [];
  it('drops a subscriber that stops reading once its backlog passes the limit, and keeps serving the others', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const slow = stalled();
    const received: string[] = [];
    await hub.subscribe(slow as unknown as ServerResponse, null, undefined, none);
    await hub.subscribe(reading(received) as unknown as ServerResponse, null, undefined, none);
    const payload = { blob: 'x'.repeat(64 * 1024) };
    for (let i = 0; i * 64 * 1024 < MAX_BUFFERED_BYTES * 2; i++) hub.publish('endpoints', payload, 'app');
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(received.filter((c) => c.startsWith('id: ')).length).toBeGreaterThan(16);
    hub.close();
  });
  it('sends only the subscribed backend, numbers events and formats them as SSE', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const got: string[] = [];
    await hub.subscribe(reading(got) as unknown as ServerResponse, 'app', undefined, none);
    hub.publish('default', { backend: 'other' }, 'other');
    hub.publish('default', { backend: 'app' }, 'app');
    hub.publish('provider', [], null);
    const text = got.join('');
    const run = /id: (\w+)\.2/.exec(text)?.[1];
    expect(text).toBe(
      `retry: 3000\n: connected\n\nid: ${run}.2\nevent: default\ndata: {"backend":"app"}\n\nid: ${run}.3\nevent: provider\ndata: []\n\n`,
    );
    hub.close();
  });

  it('starts with the snapshot, and live events published while it is built follow it, in order', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const got: string[] = [];
    let release: () => void = () => undefined;
    const subscribed = hub.subscribe(reading(got) as unknown as ServerResponse, null, undefined, async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return [{ event: 'snapshot', data: { backend: 'app' } }];
    });
    hub.publish('default', { during: true }, 'app'); // while the snapshot is being built
    release();
    await subscribed;
    const events = [...got.join('').matchAll(/event: (\w+)/g)].map((m) => m[1]);
    expect(events).toEqual(['snapshot', 'default']);
    hub.close();
  });

  it('replays what a reconnecting client missed, and resets one it cannot resume', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const first: string[] = [];
    await hub.subscribe(reading(first) as unknown as ServerResponse, null, undefined, none);
    hub.publish('default', { n: 1 }, 'app');
    const lastSeen = /id: (\S+)/.exec(first.join(''))?.[1] ?? '';
    hub.publish('default', { n: 2 }, 'app');
    hub.publish('default', { n: 3 }, 'other');
    const resumed: string[] = [];
    await hub.subscribe(reading(resumed) as unknown as ServerResponse, 'app', lastSeen, async () => {
      throw new Error('no snapshot when resuming');
    });
    expect([...resumed.join('').matchAll(/data: (.*)/g)].map((m) => m[1])).toEqual(['{"n":2}']);

    const stale: string[] = [];
    await hub.subscribe(reading(stale) as unknown as ServerResponse, 'app', 'earlier-run.7', async () => [
      { event: 'snapshot', data: { s: 1 } },
    ]);
    expect([...stale.join('').matchAll(/event: (\w+)\ndata: (.*)/g)].map((m) => [m[1], m[2]])).toEqual([
      ['reset', '{"reason":"daemon-restarted"}'],
      ['snapshot', '{"s":1}'],
    ]);
    for (let i = 0; i < REPLAY_EVENTS + 5; i++) hub.publish('provider', [], null);
    const behind: string[] = [];
    await hub.subscribe(reading(behind) as unknown as ServerResponse, null, lastSeen, async () => []);
    expect(behind.join('')).toContain('data: {"reason":"too-far-behind"}');
    hub.close();
  });

  it('over real HTTP connections: events of one turn arrive whole and in order, framed once for all subscribers', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const writes: number[] = [];
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      // Counts the hub's writes to each connection (one per turn), at the socket's own method.
      const i = writes.push(0) - 1;
      const socket = res.socket as import('node:net').Socket;
      const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
      socket.write = ((chunk: Buffer) => {
        writes[i] = (writes[i] ?? 0) + 1;
        return write(chunk);
      }) as typeof socket.write;
      void hub.subscribe(res, req.url === '/app' ? 'app' : null, undefined, none);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    // Node's own client decodes the chunked body: a wrongly framed chunk fails the request.
    const streams = ['/app', '/app', '/'].map(
      (path) =>
        new Promise<string>((resolve, reject) => {
          http.get({ port, host: '127.0.0.1', path }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
              if (text.includes('"last"')) resolve(text);
            });
            res.on('error', reject);
          });
        }),
    );
    while (hub.size < 3) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r)); // the openings are written
    writes.fill(0);
    const big = { blob: 'é'.repeat(20_000) }; // multi-byte: the chunk size counts bytes, not characters
    hub.publish('endpoints', big, 'app');
    hub.publish('default', { backend: 'app' }, 'app');
    hub.publish('provider', { last: true }, null);
    const texts = await Promise.all(streams);
    for (const text of texts) {
      expect([...text.matchAll(/event: (\w+)/g)].map((m) => m[1])).toEqual(['endpoints', 'default', 'provider']);
      expect(text).toContain(JSON.stringify(big));
    }
    expect(writes).toEqual([1, 1, 1]); // the turn's three events, one write each
    hub.close();
    await new Promise((r) => server.close(r));
  });

  it('sends what was published in the turn it closes before ending the streams', async () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      void hub.subscribe(res, null, undefined, none);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const stream = new Promise<string>((resolve, reject) => {
      http.get({ port, host: '127.0.0.1', path: '/' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
    });
    while (hub.size < 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    hub.publish('provider', { last: true }, null);
    hub.close(); // same turn
    expect(await stream).toContain('data: {"last":true}');
    await new Promise((r) => server.close(r));
  });
});
