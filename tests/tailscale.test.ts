import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EndpointList, type Exposure, ProviderStatus } from '@endpointd/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  addBackend,
  type RunningDaemon,
  request,
  requestOne,
  startDaemon,
  subscribe,
  tempHome,
  waitForExposure,
} from './helpers/daemon.js';
import { type FakeTailscale, setupFakeTailscale, TS_NAME } from './helpers/fake-tailscale.js';
import { tag } from './helpers/list.js';
import { addVirtualInterfaces, createLanTopology, type LanTopology } from './helpers/netns.js';
import { backendPool, type RunningBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert, type TestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason();
const Providers = z.object({ providers: z.array(ProviderStatus) });

describe.skipIf(unavailable)('Tailscale provider against the fake tailscale CLI', () => {
  let t: LanTopology;
  let ts: FakeTailscale;
  let backend: RunningBackend;
  let other: RunningBackend;
  let daemon: RunningDaemon;
  let home: string;
  const pool = backendPool();
  let tsIps: { tailscaleV4: string; tailscaleV6: string };
  let ca: TestCa;

  const start = async (extraEnv: Record<string, string> = {}) =>
    await startDaemon(t.host, ['--backend', `app=${backend.port}`], { home, env: { ...ts.env, ...extraEnv } });
  const list = async () => EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json());
  const enable = async (body: unknown) =>
    await requestOne(daemon, { method: 'POST', path: '/v1/backends/app/exposures', body: JSON.stringify(body) });
  const waitExposure = (type: string, states: string[], timeoutMs = 15_000) =>
    waitForExposure(daemon, 'app', type, (x) => states.includes(x.state), timeoutMs);
  const disable = async (type: string) => await requestOne(daemon, { method: 'DELETE', path: `/v1/backends/app/exposures/${type}` });

  beforeAll(async () => {
    t = await createLanTopology(tag('ts'));
    tsIps = await addVirtualInterfaces(t.host);
    backend = await pool.start(t.host, ['--host', '::', '--id', 'ts-app']);
    other = await pool.start(t.host, ['--host', '127.0.0.1', '--id', 'ts-other']);
    ca = await createTestCa();
    ts = await setupFakeTailscale(t.host, ca, tsIps.tailscaleV4, tsIps.tailscaleV6, [backend.port, other.port]);
    home = tempHome();
    daemon = await start();
  });
  // A failed test must not leave its scenario to the next ones.
  afterEach(() => {
    ts?.setScenario('running');
    ts?.setFunnelPorts('443,8443,10000');
  });
  afterAll(async () => {
    await daemon?.stop();
    ts?.cleanup();
    await pool.stopAll();
    await t?.destroy();
  });

  it('lists the Tailscale IPs and MagicDNS name, verified, and a Serve handler for this backend but not one for another port', async () => {
    expect((await ts.cli(['serve', '--bg', '--yes', '--https=8443', `http://127.0.0.1:${backend.port}`])).exitCode).toBe(0);
    expect((await ts.cli(['serve', '--bg', '--yes', '--https=10000', `localhost:${other.port}`])).exitCode).toBe(0);
    const l = await list();
    const byType = (type: string) => l.endpoints.filter((e) => e.type === type);
    expect(byType('tailscale-ip').map((e) => [e.host, e.status])).toEqual([
      [tsIps.tailscaleV4, 'verified'],
      [tsIps.tailscaleV6, 'verified'],
    ]);
    expect(byType('tailscale-ip')[0]).toMatchObject({
      scope: 'tailnet',
      browser: { chromium: 'prompt', firefox: 'blocked', mixedContentSafe: false, secureContext: false },
    });
    expect(byType('tailscale-magicdns')).toMatchObject([{ url: `http://${TS_NAME}:${backend.port}/`, status: 'verified', family: 'dns' }]);
    const serve = byType('tailscale-serve');
    expect(serve).toMatchObject([{ url: `https://${TS_NAME}:8443/`, status: 'verified', scope: 'tailnet', tls: { trusted: true } }]);
    expect(serve[0]?.browser).toEqual({ mixedContentSafe: true, secureContext: true, chromium: 'prompt', firefox: 'ok', safari: 'ok' });
    expect(l.endpoints.some((e) => e.url.includes(':10000/'))).toBe(false);
    expect(l.default).toMatchObject({ type: 'lan' });
    await ts.cli(['serve', '--https=8443', 'off']);
  });

  it('enables Serve on a free port, verifies it, announces it, and disable leaves a foreign handler alone', async () => {
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    const res = await enable({ type: 'tailscale-serve' });
    expect(res.status).toBe(202);
    const active = await waitExposure('tailscale-serve', ['active', 'failed']);
    expect(active).toMatchObject({
      state: 'active',
      endpoint: { type: 'tailscale-serve', url: `https://${TS_NAME}/`, status: 'verified' },
    });
    await events.waitFor((l) => l.event === 'exposure' && (l.data as Exposure).state === 'active', 5_000);
    expect((await list()).endpoints.find((e) => e.type === 'tailscale-serve')?.url).toBe(`https://${TS_NAME}/`);
    await events.close();

    expect((await disable('tailscale-serve')).json()).toMatchObject({ state: 'stopped' });
    const web = ts.serveConfig().Web as Record<string, unknown>;
    expect(Object.keys(web)).toEqual([`${TS_NAME}:10000`]); // the other program's handler is intact
  });

  it('serves a TLS-only backend through an https target, its certificate verified (issue 15.3)', async () => {
    const cert = await issueCert(ca, 'secure', ['localhost', '127.0.0.1']);
    const secure = await pool.start(t.host, ['--host', '127.0.0.1', '--id', 'ts-secure', '--tls', `${cert.cert},${cert.key}`]);
    await addBackend(daemon, 'secure', secure.port);
    const path = '/v1/backends/secure/exposures';
    expect((await requestOne(daemon, { method: 'POST', path, body: JSON.stringify({ type: 'tailscale-serve' }) })).status).toBe(202);
    const x = await waitForExposure(daemon, 'secure', 'tailscale-serve', (e) => e.state === 'active' || e.state === 'failed', 15_000);
    // Proxied as http://127.0.0.1 it would meet a TLS port: the serve proxy's 502, never verified.
    expect(x).toMatchObject({ state: 'active', endpoint: { status: 'verified' } });
    expect(JSON.stringify(ts.serveConfig())).toContain(`"Proxy":"https://localhost:${secure.port}"`);
    expect((await requestOne(daemon, { method: 'DELETE', path: `${path}/tailscale-serve` })).status).toBe(200);
    await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/secure' });
  });

  it('refuses a pinned port another target uses, naming a free one, and picks a free port when not pinned', async () => {
    await ts.cli(['serve', '--bg', '--yes', '--https=443', `http://127.0.0.1:${other.port}`]);
    await enable({ type: 'tailscale-serve', options: { httpsPort: 443 } });
    const refused = await waitExposure('tailscale-serve', ['failed', 'active']);
    expect(refused).toMatchObject({ state: 'failed', reason: 'serve-port-in-use' });
    expect(refused.error).toMatch(/443 already serves http:\/\/127\.0\.0\.1:\d+; Serve does not share it; 8443 is free/);
    await disable('tailscale-serve');
    await enable({ type: 'tailscale-serve' });
    const picked = await waitExposure('tailscale-serve', ['active', 'failed']);
    expect(picked.endpoint?.url).toBe(`https://${TS_NAME}:8443/`);
    expect(
      (ts.serveConfig().Web as Record<string, { Handlers: Record<string, { Proxy: string }> }>)[`${TS_NAME}:443`]?.Handlers['/']?.Proxy,
    ).toBe(`http://127.0.0.1:${other.port}`);
    await disable('tailscale-serve');
    await ts.cli(['serve', '--https=443', 'off']);
  });

  for (const form of ['approval-exit', 'approval-wait'] as const) {
    it(`answers needs-approval with the link, then becomes active once approved (${form})`, async () => {
      ts.setScenario(form);
      rmSync(join(ts.state, 'approved'), { force: true }); // left by the other form: this one must really wait
      await enable({ type: 'tailscale-serve' });
      const waiting = await waitExposure('tailscale-serve', ['needs-approval', 'failed', 'active']);
      expect(waiting).toMatchObject({
        state: 'needs-approval',
        approvalUrl: 'https://login.tailscale.com/f/serve?node=n123CNTRL',
        reason: 'serve-not-enabled',
      });
      ts.approve();
      const active = await waitExposure('tailscale-serve', ['active'], 20_000);
      expect(active.endpoint?.status).toBe('verified');
      await disable('tailscale-serve');
      ts.setScenario('running');
    });
  }

  it('reports access denied with the operator hint', async () => {
    ts.setScenario('access-denied');
    await enable({ type: 'tailscale-serve' });
    const x = await waitExposure('tailscale-serve', ['failed', 'active']);
    expect(x).toMatchObject({ state: 'failed', reason: 'serve-access-denied' });
    expect(x.hint).toMatch(/tailscale set --operator=\$USER/);
    await disable('tailscale-serve');
    ts.setScenario('running');
  });

  it('refuses Funnel without confirmation, and enables it with confirmPublic', async () => {
    const refused = await enable({ type: 'tailscale-funnel', options: {} });
    expect(refused.status).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(
      /options\.confirmPublic: tailscale-funnel puts the backend on the public internet/,
    );
    // The funnel-ports attribute (443, 8443, 10000 here) decides, not a fixed list.
    await enable({ type: 'tailscale-funnel', options: { confirmPublic: true, httpsPort: 8080 } });
    expect(await waitExposure('tailscale-funnel', ['failed', 'active'])).toMatchObject({
      state: 'failed',
      reason: 'funnel-port-not-allowed',
      error: 'the funnel-ports attribute allows 443, 8443, 10000',
    });
    await disable('tailscale-funnel');
    await enable({ type: 'tailscale-funnel', options: { confirmPublic: true } });
    const x = await waitExposure('tailscale-funnel', ['active', 'failed']);
    expect(x).toMatchObject({ state: 'active', endpoint: { type: 'tailscale-funnel', scope: 'public' } });
    expect((ts.serveConfig().AllowFunnel as Record<string, boolean>)[`${TS_NAME}:443`]).toBe(true);
    expect((await list()).endpoints.find((e) => e.type === 'tailscale-funnel')).toMatchObject({ status: 'verified' });
    await disable('tailscale-funnel');
    expect(ts.serveConfig().AllowFunnel ?? {}).toEqual({});
  });

  it('re-applies a remembered exposure after a restart when the handler was lost', async () => {
    await enable({ type: 'tailscale-serve' });
    await waitExposure('tailscale-serve', ['active']);
    expect(await daemon.stop()).toBe(0);
    expect(Object.keys(ts.serveConfig().Web as object)).toContain(`${TS_NAME}:443`); // a daemon stop leaves it
    await ts.cli(['serve', '--https=443', 'off']); // lost, as after a reboot of tailscaled
    daemon = await start();
    const x = await waitExposure('tailscale-serve', ['active', 'failed']);
    expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${TS_NAME}/` } });
    expect(Object.keys(ts.serveConfig().Web as object)).toContain(`${TS_NAME}:443`);
    await disable('tailscale-serve');
  });

  it('removes the Serve handler it added for a backend that left the config, at the next start (issue 9.2)', async () => {
    await ts.cli(['serve', '--https=10000', 'off']); // a hand-made handler for that port, from the first test
    const servesOther = () => JSON.stringify(ts.serveConfig().Web ?? {}).includes(`:${other.port}`);
    expect(servesOther()).toBe(false);
    await daemon.stop();
    daemon = await startDaemon(t.host, ['--backend', `app=${backend.port}`, '--backend', `gone=${other.port}`], { home, env: ts.env });
    const res = await requestOne(daemon, {
      method: 'POST',
      path: '/v1/backends/gone/exposures',
      body: JSON.stringify({ type: 'tailscale-serve' }),
    });
    expect(res.status).toBe(202);
    await waitForExposure(daemon, 'gone', 'tailscale-serve', (x) => x.state === 'active', 15_000);
    expect(servesOther()).toBe(true);
    expect(await daemon.stop()).toBe(0);
    expect(servesOther()).toBe(true); // a daemon stop leaves it, for the next start
    daemon = await start(); // "gone" is no longer configured
    expect(servesOther()).toBe(false);
    const health = (await requestOne(daemon, { path: '/v1/health', auth: false })).json<{
      problems: Array<{ code: string; message: string }>;
    }>();
    expect(health.problems).toContainEqual(
      expect.objectContaining({ code: 'ENDPOINTD_EXPOSURE_DROPPED', message: expect.stringMatching(/"gone"/) }),
    );
  });

  describe('ownership: never remove, widen or misreport what endpointd did not add (issue 16)', () => {
    type Web = Record<string, { Handlers: Record<string, { Proxy?: string; Text?: string }> }>;
    const web = () => (ts.serveConfig().Web ?? {}) as Web;
    const funnelFlags = () => (ts.serveConfig().AllowFunnel ?? {}) as Record<string, boolean>;
    const reset = async () => expect((await ts.cli(['serve', 'reset'])).exitCode).toBe(0);
    const serveOf = (port: number) => `http://127.0.0.1:${port}`;

    it("keeps a user's handlers through enable and disable: a root mount it reuses, a second mount, another app's port", async () => {
      await reset();
      await ts.cli(['serve', '--bg', '--https=443', serveOf(backend.port)]);
      await ts.cli(['serve', '--bg', '--https=443', '--set-path=/docs', 'text:the docs']);
      await ts.cli(['serve', '--bg', '--https=10000', `localhost:${other.port}`]);
      const before = JSON.stringify(ts.serveConfig());
      const calls = ts.invocations().length;
      await enable({ type: 'tailscale-serve' });
      const x = await waitExposure('tailscale-serve', ['active', 'failed']);
      expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${TS_NAME}/`, status: 'verified' } });
      expect(JSON.stringify(ts.serveConfig())).toBe(before); // reused, nothing added
      await disable('tailscale-serve');
      expect(JSON.stringify(ts.serveConfig())).toBe(before); // and nothing removed
      expect(
        ts
          .invocations()
          .slice(calls)
          .some((a) => a.includes('off')),
      ).toBe(false);
    });

    it('removes only its own mount with --set-path, also after a daemon restart, and leaves a mount added beside it', async () => {
      await reset();
      await ts.cli(['serve', '--bg', '--https=443', `localhost:${other.port}`]);
      const calls = ts.invocations().length;
      await enable({ type: 'tailscale-serve' });
      expect(await waitExposure('tailscale-serve', ['active', 'failed'])).toMatchObject({ endpoint: { url: `https://${TS_NAME}:8443/` } });
      expect(await daemon.stop()).toBe(0);
      // While the daemon is down, the user mounts something beside endpointd's handler.
      await ts.cli(['serve', '--bg', '--https=8443', '--set-path=/notes', 'text:notes']);
      daemon = await start();
      await waitExposure('tailscale-serve', ['active']);
      await disable('tailscale-serve');
      expect(Object.keys(web()[`${TS_NAME}:8443`]?.Handlers ?? {})).toEqual(['/notes']);
      expect(Object.keys(web()[`${TS_NAME}:443`]?.Handlers ?? {})).toEqual(['/']);
      expect(
        ts
          .invocations()
          .slice(calls)
          .filter((a) => a.includes('off')),
      ).toEqual([['serve', '--https=8443', '--set-path=/', 'off']]);
    });

    it('puts a tailnet-only exposure beside a Funnel handler, never on it', async () => {
      await reset();
      await ts.cli(['funnel', '--bg', '--https=443', serveOf(backend.port)]);
      await enable({ type: 'tailscale-serve' });
      const x = await waitExposure('tailscale-serve', ['active', 'failed']);
      expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${TS_NAME}:8443/`, scope: 'tailnet' } });
      expect(funnelFlags()).toEqual({ [`${TS_NAME}:443`]: true }); // the public one stays public, and the only one
      const listed = (await list()).endpoints.filter((e) => e.type.startsWith('tailscale-') && e.url.startsWith('https://'));
      expect(listed.map((e) => [e.type, e.url, e.scope]).sort()).toEqual([
        ['tailscale-funnel', `https://${TS_NAME}/`, 'public'],
        ['tailscale-serve', `https://${TS_NAME}:8443/`, 'tailnet'],
      ]);
      await disable('tailscale-serve');
      expect(Object.keys(web())).toEqual([`${TS_NAME}:443`]);
    });

    it("never makes a user's tailnet-only handler public: Funnel takes a free port", async () => {
      await reset();
      await ts.cli(['serve', '--bg', '--https=443', serveOf(backend.port)]);
      await enable({ type: 'tailscale-funnel', options: { confirmPublic: true } });
      const x = await waitExposure('tailscale-funnel', ['active', 'failed']);
      expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${TS_NAME}:8443/`, scope: 'public' } });
      expect(funnelFlags()).toEqual({ [`${TS_NAME}:8443`]: true });
      await disable('tailscale-funnel');
      expect(funnelFlags()).toEqual({});
      expect(web()[`${TS_NAME}:443`]?.Handlers['/']?.Proxy).toBe(serveOf(backend.port));
    });

    it('honours the funnel-ports attribute, which the CLI itself checks only for 443', async () => {
      await reset();
      ts.setFunnelPorts('443');
      try {
        // The real CLI would accept --https=8443 here (funnel.go checks port 443 whatever is asked).
        expect((await ts.cli(['funnel', '--bg', '--https=8443', serveOf(other.port)])).exitCode).toBe(0);
        await reset();
        await ts.cli(['serve', '--bg', '--https=443', `localhost:${other.port}`]);
        await enable({ type: 'tailscale-funnel', options: { confirmPublic: true } });
        const x = await waitExposure('tailscale-funnel', ['active', 'failed']);
        expect(x).toMatchObject({ state: 'failed', reason: 'serve-port-in-use' });
        expect(x.error).toMatch(/^no HTTPS port is free for Funnel \(443: http:\/\/localhost:\d+\)$/);
        await disable('tailscale-funnel');
      } finally {
        ts.setFunnelPorts('443,8443,10000');
      }
    });

    it('lands on 8443 beside a foreground session on 443, and beside a TCP forward on 443', async () => {
      await reset();
      const session = await ts.foreground([`${other.port}`]);
      try {
        expect(Object.keys((ts.serveConfig().Foreground ?? {}) as object)).toHaveLength(1);
        await enable({ type: 'tailscale-serve' });
        expect(await waitExposure('tailscale-serve', ['active', 'failed'])).toMatchObject({
          state: 'active',
          endpoint: { url: `https://${TS_NAME}:8443/` },
        });
        await disable('tailscale-serve');
      } finally {
        await session.stop();
      }
      expect(ts.serveConfig().Foreground).toBeUndefined();
      await ts.cli(['serve', '--bg', '--tcp=443', `tcp://localhost:${other.port}`]);
      await enable({ type: 'tailscale-serve' });
      expect(await waitExposure('tailscale-serve', ['active', 'failed'])).toMatchObject({
        state: 'active',
        endpoint: { url: `https://${TS_NAME}:8443/` },
      });
      await disable('tailscale-serve');
      expect(ts.serveConfig().TCP).toEqual({ 443: { TCPForward: `localhost:${other.port}` } });
    });

    it('lists an HTTP listener as http://, a handler at /app with its path, and a Service', async () => {
      await reset();
      await ts.cli(['serve', '--bg', '--http=8080', serveOf(backend.port)]);
      await ts.cli(['serve', '--bg', '--https=443', '--set-path=/app', `http://[::1]:${backend.port}`]);
      await ts.setRaw({
        ...ts.serveConfig(),
        Services: {
          'svc:app': {
            TCP: { 443: { HTTPS: true } },
            Web: { [`app.${TS_NAME.split('.').slice(1).join('.')}:443`]: { Handlers: { '/': { Proxy: serveOf(backend.port) } } } },
          },
        },
      });
      const l = await list();
      const serve = l.endpoints.filter((e) => e.type === 'tailscale-serve');
      expect(serve.map((e) => e.url).sort()).toEqual(
        [`http://${TS_NAME}:8080/`, `https://${TS_NAME}/app/`, `https://app.${TS_NAME.split('.').slice(1).join('.')}/`].sort(),
      );
      expect(serve.find((e) => e.url.startsWith('http:'))).toMatchObject({ status: 'verified', tls: null });
      expect(serve.find((e) => e.url.endsWith('/app/'))).toMatchObject({ status: 'verified' });
      // The /app handler is not the backend's root: an exposure gets a port of its own.
      await enable({ type: 'tailscale-serve' });
      expect(await waitExposure('tailscale-serve', ['active', 'failed'])).toMatchObject({ endpoint: { url: `https://${TS_NAME}:8443/` } });
      await disable('tailscale-serve');
      expect(Object.keys(web()[`${TS_NAME}:443`]?.Handlers ?? {})).toEqual(['/app']);
      await reset();
    });
  });

  it('shows its state and version in /v1/providers, and the reason when tailscaled is down', async () => {
    const up = Providers.parse((await requestOne(daemon, { path: '/v1/providers' })).json()).providers.find((p) => p.id === 'tailscale');
    expect(up).toMatchObject({ available: true, version: '1.94.1', exposureTypes: ['tailscale-serve', 'tailscale-funnel'] });
    ts.setScenario('daemon-down');
    await daemon.stop();
    daemon = await start();
    const l = await list();
    expect(l.providers.find((p) => p.id === 'tailscale')).toMatchObject({ available: false, reason: 'tailscaled-not-running' });
    expect(l.endpoints.some((e) => e.type.startsWith('tailscale'))).toBe(false);
    ts.setScenario('running');
  });

  it('does not spawn the CLI again and again while tailscaled is down', async () => {
    ts.setScenario('daemon-down');
    await daemon.stop();
    daemon = await start();
    await requestOne(daemon, { path: '/v1/backends/app/endpoints' });
    await requestOne(daemon, { path: '/v1/providers' }); // reads the version once
    const before = ts.invocations().length;
    await request(
      daemon,
      Array.from({ length: 20 }, () => ({ path: '/v1/providers' })),
    );
    await request(
      daemon,
      Array.from({ length: 5 }, () => ({ path: '/v1/backends/app/endpoints' })),
    );
    expect(ts.invocations().length - before).toBe(0);
    ts.setScenario('running');
  });
});
