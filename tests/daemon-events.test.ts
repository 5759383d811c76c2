import type { EndpointList } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, requestOne, startDaemon, subscribe } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { createLanTopology, ip, type LanTopology } from './helpers/netns.js';
import { type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('the event stream', () => {
  let t: LanTopology;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  beforeAll(async () => {
    t = await createLanTopology(tag('ev'));
    backend = await startBackend(t.host, ['--host', '0.0.0.0', '--id', 'events']);
    daemon = await startDaemon(t.host, ['--backend', `app=${backend.port}`]);
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    await t?.destroy();
  });

  it('announces a new LAN address within 3 seconds, verified', async () => {
    await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' });
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    const added = `${t.hostV4.split('.').slice(0, 3).join('.')}.50`;
    const at = Date.now();
    await ip('-n', t.host, 'addr', 'add', `${added}/24`, 'dev', 'eth0');
    const line = await events.waitFor(
      (l) => l.event === 'endpoints' && (l.data as EndpointList).endpoints.some((e) => e.host === added && e.status === 'verified'),
      3_000,
    );
    expect((line.at ?? 0) - at).toBeLessThan(3_000);
    await events.close();
  });

  it('sends default events to every subscriber, and a subscriber that vanishes does not affect the others', async () => {
    const doomed = subscribe(daemon);
    const survivor = subscribe(daemon);
    await Promise.all([doomed.waitFor((l) => l.status === 200, 5_000), survivor.waitFor((l) => l.status === 200, 5_000)]);
    await doomed.close();
    await requestOne(daemon, { method: 'PUT', path: '/v1/backends/app/default', body: '{"type":"loopback"}' });
    const line = await survivor.waitFor((l) => l.event === 'default', 3_000);
    expect(line.data).toMatchObject({ backend: 'app', default: { type: 'loopback', requestedType: 'loopback', fallback: false } });
    await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/app/default' });
    await survivor.waitFor(
      (l) => l.event === 'default' && (l.data as { default: { requestedType: null } }).default.requestedType === null,
      3_000,
    );
    await survivor.close();
  });

  it('refuses an event stream for an unknown backend', async () => {
    expect((await requestOne(daemon, { path: '/v1/events?backend=nope' })).status).toBe(404);
  });
});
