import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEventHub, MAX_BUFFERED_BYTES } from './event-hub.js';

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
  it('drops a subscriber that stops reading once its backlog passes the limit, and keeps serving the others', () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const slow = stalled();
    const received: string[] = [];
    hub.subscribe(slow as unknown as ServerResponse, null);
    hub.subscribe(reading(received) as unknown as ServerResponse, null);
    const payload = { blob: 'x'.repeat(64 * 1024) };
    for (let i = 0; i * 64 * 1024 < MAX_BUFFERED_BYTES * 2; i++) hub.publish('endpoints', payload, 'app');
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(received.filter((c) => c.startsWith('id: ')).length).toBeGreaterThan(16);
    hub.close();
  });
  it('sends only the subscribed backend, numbers events and formats them as SSE', () => {
    const hub = createEventHub({ heartbeatMs: 60_000 });
    const got: string[] = [];
    hub.subscribe(reading(got) as unknown as ServerResponse, 'app');
    hub.publish('default', { backend: 'other' }, 'other');
    hub.publish('default', { backend: 'app' }, 'app');
    hub.publish('provider', [], null);
    expect(got.join('')).toBe(
      'retry: 3000\n: connected\n\nid: 2\nevent: default\ndata: {"backend":"app"}\n\nid: 3\nevent: provider\ndata: []\n\n',
    );
    hub.close();
  });
});
