import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byUrl, listJson, tag } from './helpers/list.js';
import { createLanTopology, type LanTopology } from './helpers/netns.js';
import { backendPool } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert, selfSignedCert, type TestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('TLS backends, with a CA made at test time', () => {
  let t: LanTopology;
  let ca: TestCa;
  const pool = backendPool();
  const start = (args: string[]) => pool.start(t.host, args);

  beforeAll(async () => {
    t = await createLanTopology(tag('tls'));
    ca = await createTestCa();
  });
  afterAll(async () => {
    await pool.stopAll();
    await t?.destroy();
  });

  it('trusts a certificate from a CA given in NODE_EXTRA_CA_CERTS and marks it mixed-content safe', async () => {
    const cert = await issueCert(ca, 'server', ['localhost', 'app.test', '127.0.0.1', '::1', t.hostV4, t.hostV6]);
    const b = await start(['--host', '::', '--id', 'tls', '--tls', `${cert.cert},${cert.key}`]);
    const list = await listJson(t.host, b.port, [], { NODE_EXTRA_CA_CERTS: ca.caCert });
    const lan = byUrl(list, `https://${t.hostV4}:${b.port}/`);
    expect(lan).toMatchObject({ status: 'verified', wsUrl: `wss://${t.hostV4}:${b.port}/` });
    expect(lan.tls).toMatchObject({ trusted: true, issuer: 'endpointd tests', error: null });
    expect(Date.parse(lan.tls?.validTo ?? '')).toBeGreaterThan(Date.now());
    expect(lan.browser).toEqual({ mixedContentSafe: true, secureContext: true, chromium: 'prompt', firefox: 'ok', safari: 'ok' });
    expect(byUrl(list, `https://127.0.0.1:${b.port}/`).status).toBe('verified');
  });

  it('keeps the name for SNI and the certificate check when ENDPOINTD_CONNECT_TO redirects a custom URL', async () => {
    const cert = await issueCert(ca, 'named', ['app.test', '127.0.0.1']);
    const b = await start(['--host', '0.0.0.0', '--id', 'named', '--tls', `${cert.cert},${cert.key}`]);
    const list = await listJson(t.host, b.port, ['--custom', `https://app.test:${b.port}/`], {
      NODE_EXTRA_CA_CERTS: ca.caCert,
      ENDPOINTD_CONNECT_TO: `app.test:${b.port}=${t.hostV4}:${b.port}`,
    });
    const custom = byUrl(list, `https://app.test:${b.port}/`);
    expect(custom).toMatchObject({
      type: 'custom',
      status: 'verified',
      family: 'dns',
      scope: 'local-network',
      verification: { address: t.hostV4 },
    });
    expect(custom.browser.mixedContentSafe).toBe(true);
    // The LAN IP itself is not in this certificate: untrusted, whatever the CA.
    expect(byUrl(list, `https://${t.hostV4}:${b.port}/`)).toMatchObject({
      status: 'tls-untrusted',
      tls: { trusted: false, error: 'certificate is not valid for this name' },
    });
  });

  it('reports a self-signed certificate as tls-untrusted, blocked in every browser', async () => {
    const cert = await selfSignedCert(ca.dir, ['127.0.0.1', t.hostV4]);
    const b = await start(['--host', '0.0.0.0', '--id', 'self', '--tls', `${cert.cert},${cert.key}`]);
    const list = await listJson(t.host, b.port, [], { NODE_EXTRA_CA_CERTS: ca.caCert });
    const lan = byUrl(list, `https://${t.hostV4}:${b.port}/`);
    expect(lan).toMatchObject({ status: 'tls-untrusted', verification: { reason: 'tls-untrusted' } });
    expect(lan.tls).toMatchObject({ trusted: false, error: 'self-signed certificate' });
    expect(lan.verification.hint).toMatch(/not trusted \(self-signed certificate\)/);
    expect(lan.browser).toEqual({
      mixedContentSafe: false,
      secureContext: false,
      chromium: 'blocked',
      firefox: 'blocked',
      safari: 'blocked',
    });
    expect(list.default.endpointId).toBeNull();
  });
});
