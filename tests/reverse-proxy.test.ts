import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EndpointList } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, requestOne, startDaemon, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { startNginx } from './helpers/nginx.js';
import { type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason(['nginx', 'ss']);

describe.skipIf(unavailable)('custom endpoints through a real nginx reverse proxy, several backends in one daemon', () => {
  let ns: string;
  let dash: RunningBackend;
  let other: RunningBackend;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let daemon: RunningDaemon;
  const url = (port: number) => `https://dash.test:${port}/`;

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('proxy')}`);
    dash = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'dash', '--websocket', '/ws']);
    other = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'other']);
    const ca = await createTestCa();
    const cert = await issueCert(ca, 'dash', ['dash.test']);
    const common = { serverName: 'dash.test', cert: cert.cert, key: cert.key };
    nginx = await startNginx(ns, [
      { ...common, listen: '127.0.0.1:8443', websocket: true, upstream: `127.0.0.1:${dash.port}` },
      { ...common, listen: '127.0.0.1:8444', websocket: false, upstream: `127.0.0.1:${dash.port}` },
      { ...common, listen: '127.0.0.1:8445', websocket: true, upstream: '127.0.0.1:9' },
    ]);
    const home = tempHome();
    const config = join(home, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        backends: [
          {
            name: 'dash',
            port: dash.port,
            websocketPath: '/ws',
            customUrls: [{ url: url(8443), label: 'nginx' }, { url: url(8444), label: 'nginx without upgrade' }, { url: url(8445) }],
          },
          { name: 'other', port: other.port },
        ],
      }),
    );
    daemon = await startDaemon(ns, ['--config', config], {
      home,
      env: {
        NODE_EXTRA_CA_CERTS: ca.caCert,
        ENDPOINTD_CONNECT_TO: [8443, 8444, 8445].map((p) => `dash.test:${p}=127.0.0.1:${p}`).join(','),
      },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await nginx?.stop();
    await Promise.all([dash?.stop(), other?.stop()]);
    await deleteNamespace(ns);
  });

  it('verifies the proxied HTTPS URL, WebSocket included, as usable from HTTPS pages', async () => {
    const list = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/dash/endpoints?refresh=true' })).json());
    const good = list.endpoints.find((e) => e.url === url(8443));
    expect(good).toMatchObject({
      type: 'custom',
      provider: 'core',
      label: 'nginx',
      status: 'verified',
      family: 'dns',
      scope: 'this-machine',
    });
    expect(good?.verification).toMatchObject({ websocket: 'ok', identity: 'fingerprint', identityStrength: 'strong' });
    expect(good?.tls).toMatchObject({ trusted: true, issuer: 'endpointd tests' });
    expect(good?.browser.mixedContentSafe).toBe(true);
    expect(list.default).toMatchObject({ type: 'custom', endpointId: good?.id });
  });

  it('explains a proxy that does not forward WebSocket upgrades', async () => {
    const list = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/dash/endpoints' })).json());
    const noUpgrade = list.endpoints.find((e) => e.url === url(8444));
    expect(noUpgrade).toMatchObject({ status: 'unreachable', verification: { reason: 'websocket-failed', websocket: 'failed' } });
    expect(noUpgrade?.verification.hint).toMatch(/Upgrade and Connection headers/);
  });

  it('reports a proxy whose upstream is down as unreachable (bad gateway), not wrong-backend', async () => {
    const list = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/dash/endpoints' })).json());
    expect(list.endpoints.find((e) => e.url === url(8445))).toMatchObject({
      status: 'unreachable',
      verification: { reason: 'proxy-bad-gateway', httpStatus: 502 },
    });
  });

  it('keeps each backend its own list and default', async () => {
    await requestOne(daemon, { method: 'PUT', path: '/v1/backends/other/default', body: '{"type":"loopback"}' });
    const [dashList, otherList] = await Promise.all(
      ['dash', 'other'].map(async (name) =>
        EndpointList.parse((await requestOne(daemon, { path: `/v1/backends/${name}/endpoints` })).json()),
      ),
    );
    expect(otherList?.endpoints.map((e) => e.type)).toEqual(['loopback']);
    expect(otherList?.default).toMatchObject({ type: 'loopback', requestedType: 'loopback' });
    expect(dashList?.default).toMatchObject({ type: 'custom', requestedType: null });
  });
});
