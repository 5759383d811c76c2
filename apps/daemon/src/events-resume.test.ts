import { createEndpointdClient, type DaemonEvent } from '@endpointd/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessDaemon, startHttpBackend, startInProcess, staticBackend } from './testing/in-process.js';

// Issue 10.7: a subscriber gets the current state first, then changes; a reconnecting client
// resumes with Last-Event-ID, or is told to re-read.
describe('event stream with a starting point', () => {
  let d: InProcessDaemon;
  let backend: Awaited<ReturnType<typeof startHttpBackend>>;
  let client: ReturnType<typeof createEndpointdClient>;

  beforeAll(async () => {
    backend = await startHttpBackend('resume');
    d = await startInProcess({ backends: [staticBackend('app', backend.port)] });
    client = createEndpointdClient({ baseUrl: await d.listen(), token: d.token });
    await client.endpoints('app'); // verified once
  });
  afterAll(async () => {
    await d.close();
    await backend.close();
  });

  /** Reads events until `until` matches one, then closes the stream. */
  async function read(opts: { lastEventId?: string }, until: (e: DaemonEvent, all: DaemonEvent[]) => boolean): Promise<DaemonEvent[]> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    const got: DaemonEvent[] = [];
    try {
      for await (const e of client.events({ backend: 'app', signal: controller.signal, ...opts })) {
        got.push(e);
        if (until(e, got)) break;
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return got;
  }

  it('starts with a snapshot of the backend: its verified list and exposures', async () => {
    const [first] = await read({}, () => true);
    expect(first).toMatchObject({ event: 'snapshot', data: { backend: 'app', exposures: [] } });
    expect(first?.event === 'snapshot' && first.data.list?.backend).toBe('app'); // verified once already: not null
    expect(first?.id).toMatch(/^\w+\.\d+$/);
  });

  it('replays only what a client missed when it reconnects with Last-Event-ID', async () => {
    const seen = await read({}, () => true);
    const lastEventId = seen[0]?.id ?? '';
    await client.setDefault('app', 'loopback'); // happens while the client is away
    const resumed = await read({ lastEventId }, (e) => e.event === 'default');
    // Exactly what happened meanwhile (the list's default changed, then the default event), no snapshot.
    expect(resumed.map((e) => e.event).sort()).toEqual(['default', 'endpoints']);
    expect(resumed.find((e) => e.event === 'default')).toMatchObject({ data: { backend: 'app', default: { requestedType: 'loopback' } } });
  });

  it('tells a client from an earlier daemon run to re-read: reset, then the snapshot', async () => {
    const got = await read({ lastEventId: 'earlier.42' }, (_e, all) => all.length === 2);
    expect(got.map((e) => e.event)).toEqual(['reset', 'snapshot']);
    expect(got[0]).toMatchObject({ data: { reason: 'daemon-restarted' } });
  });
});
