import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Endpoint, EndpointList, Exposure, ProviderStatus } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { addBackend, type RunningDaemon, requestOne, startDaemon, subscribe, tempHome, waitForExposure } from './helpers/daemon.js';
import { type FakeCloudflare, NAMED_HOST, setupFakeCloudflare } from './helpers/fake-cloudflare.js';
import { FAKES_DIR } from './helpers/fake-tailscale.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { backendPool, inNamespace, type RunningBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert, type TestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason();
const _Exposures = z.object({ exposures: z.array(Exposure) });
// A killed orphan is reparented to PID 1, which may leave it a zombie for a while: that is dead.
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

describe.skipIf(unavailable)('Cloudflare tunnels with the fake cloudflared and edge', () => {
  let ns: string;
  let cf: FakeCloudflare;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  let home: string;
  let userHome: string;
  let ca: TestCa;
  const pool = backendPool();

  const start = async (extraEnv: Record<string, string> = {}) =>
    await startDaemon(ns, ['--backend', `app=${backend.port}`], { home, env: { ...cf.env, HOME: userHome, ...extraEnv } });
  const list = async () => EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json());
  const enable = async (body: unknown) =>
    await requestOne(daemon, { method: 'POST', path: '/v1/backends/app/exposures', body: JSON.stringify(body) });
  const disable = async (type: string) => await requestOne(daemon, { method: 'DELETE', path: `/v1/backends/app/exposures/${type}` });
  const waitExposure = (type: string, ok: (x: Exposure) => boolean, timeoutMs = 20_000) =>
    waitForExposure(daemon, 'app', type, ok, timeoutMs);
  const tunnelPid = () => {
    const dir = join(home, 'run');
    const f = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('-cloudflare-quick.pid')) : undefined;
    return f ? (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid : null;
  };

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('cf')}`);
    backend = await pool.start(ns, ['--host', '127.0.0.1', '--id', 'cf-app']);
    ca = await createTestCa();
    cf = await setupFakeCloudflare(ns, ca);
    home = tempHome();
    userHome = tempHome();
    // A user's own cloudflared config: without endpointd's private --config it would win over --url.
    mkdirSync(join(userHome, '.cloudflared'));
    writeFileSync(join(userHome, '.cloudflared', 'config.yml'), 'tunnel: someone-elses\ningress:\n  - service: http_status:404\n');
    daemon = await start();
  });
  afterAll(async () => {
    await daemon?.stop();
    await cf?.stop();
    await pool.stopAll();
    await deleteNamespace(ns);
  });

  it('brings a quick tunnel up: active, verified and usable from HTTPS pages, with a private config', async () => {
    expect((await enable({ type: 'cloudflare-quick' })).json()).toMatchObject({ state: 'starting' });
    const x = await waitExposure('cloudflare-quick', (e) => e.state === 'active' || e.state === 'failed');
    expect(x).toMatchObject({
      state: 'active',
      endpoint: { type: 'cloudflare-quick', status: 'verified', scope: 'public', tls: { trusted: true } },
    });
    expect(x.endpoint?.url).toMatch(/^https:\/\/[a-z]+-river-\d+-fake\.trycloudflare\.com\/$/);
    expect(x.endpoint?.browser.mixedContentSafe).toBe(true);
    const args = cf.invocations().findLast((a) => a[0] === 'tunnel') ?? [];
    expect(args.slice(0, 2)).toEqual(['tunnel', '--no-autoupdate']);
    expect(args[args.indexOf('--config') + 1]).toMatch(new RegExp(`^${home}/run/`));
    expect(args[args.indexOf('--metrics') + 1]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(args[args.indexOf('--url') + 1]).toBe(`http://127.0.0.1:${backend.port}`);
    expect((await list()).endpoints.find((e) => e.type === 'cloudflare-quick')?.url).toBe(x.endpoint?.url);
  });

  it('is really hijacked by a user config.yml when --config is missing (so the test above can fail)', async () => {
    const [cmd, argv] = inNamespace(ns, `${FAKES_DIR}/cloudflared`, [
      'tunnel',
      '--no-autoupdate',
      '--metrics',
      '127.0.0.1:29311',
      '--url',
      `http://127.0.0.1:${backend.port}`,
    ]);
    const child = execa(cmd, argv, { reject: false, env: { ...cf.env, HOME: userHome } });
    try {
      const deadline = Date.now() + 5_000;
      let host = '';
      while (!host && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const [c, a] = inNamespace(ns, 'curl', ['-s', 'http://127.0.0.1:29311/quicktunnel']);
        host = (JSON.parse((await execa(c, a, { reject: false })).stdout || '{}') as { hostname?: string }).hostname ?? '';
      }
      const edgePort = /127\.0\.0\.1:(\d+)/.exec(cf.env.ENDPOINTD_CONNECT_TO ?? '')?.[1];
      const [c, a] = inNamespace(ns, 'curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        cf.env.NODE_EXTRA_CA_CERTS ?? '',
        '--connect-to',
        `${host}:443:127.0.0.1:${edgePort}`,
        `https://${host}/`,
      ]);
      expect((await execa(c, a)).stdout).toBe('404');
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  });

  it('restarts a crashed tunnel: the old URL turns unreachable at once, the new one is verified and announced', async () => {
    await disable('cloudflare-quick');
    cf.setScenario('crash-once');
    await requestOne(daemon, { method: 'PUT', path: '/v1/backends/app/default', body: '{"type":"cloudflare-quick"}' });
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    await enable({ type: 'cloudflare-quick' });
    const first = await waitExposure('cloudflare-quick', (e) => e.state === 'active');
    const oldUrl = first.endpoint?.url ?? '';
    const down = await events.waitFor(
      (l) =>
        l.event === 'endpoints' && (l.data as EndpointList).endpoints.some((e: Endpoint) => e.url === oldUrl && e.status === 'unreachable'),
      10_000,
    );
    expect((down.data as EndpointList).endpoints.find((e) => e.url === oldUrl)?.verification.reason).toBe('proxy-bad-gateway');
    const second = await waitExposure('cloudflare-quick', (e) => e.state === 'active' && e.endpoint?.url !== oldUrl, 20_000);
    await events.waitFor(
      (l) =>
        l.event === 'exposure' && (l.data as Exposure).state === 'active' && (l.data as Exposure).endpoint?.url === second.endpoint?.url,
      5_000,
    );
    const after = await list();
    expect(after.endpoints.filter((e) => e.type === 'cloudflare-quick').map((e) => e.url)).toEqual([second.endpoint?.url]);
    // The default is saved as a type, so it follows the new URL.
    expect(after.endpoints.find((e) => e.isDefault)?.url).toBe(second.endpoint?.url);
    expect(after.default).toMatchObject({ type: 'cloudflare-quick', requestedType: 'cloudflare-quick', fallback: false });
    await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/app/default' });
    await events.close();
    cf.setScenario('ok');
  });

  it('leaves no orphan after the daemon is killed with SIGKILL, and restores the tunnel at the next start', async () => {
    const pid = tunnelPid();
    expect(pid !== null && alive(pid)).toBe(true);
    await daemon.kill9();
    // The tunnel dies with the daemon (its parent-death signal)…
    await expect.poll(() => alive(pid ?? 0), { timeout: 5_000 }).toBe(false);
    // …and a child that outlived it anyway (no setpriv, another OS) is reaped at the next start:
    // a stand-in recorded in a pid file as the daemon records its children.
    const stray = execa(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
    const strayPid = stray.pid ?? 0;
    const startTime = readFileSync(`/proc/${strayPid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
    writeFileSync(join(home, 'run', 'stray-cloudflare-quick.pid'), JSON.stringify({ pid: strayPid, command: 'node', startTime }));
    daemon = await start();
    expect(alive(strayPid)).toBe(false);
    await stray;
    const x = await waitExposure('cloudflare-quick', (e) => e.state === 'active');
    expect(x.endpoint?.status).toBe('verified');
  });

  it('disable stops the process', async () => {
    const pid = tunnelPid();
    expect((await disable('cloudflare-quick')).json()).toMatchObject({ state: 'stopped' });
    expect(alive(pid ?? 0)).toBe(false);
    expect(tunnelPid()).toBeNull();
  });

  it('tunnels a TLS-only backend as https, verifying its certificate (issue 15.3)', async () => {
    const cert = await issueCert(ca, 'secure', ['localhost', '127.0.0.1']);
    const secure = await pool.start(ns, ['--host', '127.0.0.1', '--id', 'cf-secure', '--tls', `${cert.cert},${cert.key}`]);
    await addBackend(daemon, 'secure', secure.port);
    const path = '/v1/backends/secure/exposures';
    expect((await requestOne(daemon, { method: 'POST', path, body: JSON.stringify({ type: 'cloudflare-quick' }) })).status).toBe(202);
    const x = await waitForExposure(daemon, 'secure', 'cloudflare-quick', (e) => e.state === 'active' || e.state === 'failed');
    // Proxied as plain http it would meet a TLS port and fail with the edge's 502.
    expect(x).toMatchObject({ state: 'active', endpoint: { status: 'verified' } });
    expect(cf.invocations().some((argv) => argv.join(' ').includes(`--url https://localhost:${secure.port}`))).toBe(true);
    await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/secure' });
  });

  for (const [scenario, reason] of [
    ['rate-limit', 'rate-limited'],
    ['no-network', 'no-network'],
    ['early-exit', 'exited-early'],
  ] as const) {
    it(`reports ${scenario} as ${reason}, with a hint and the last log lines for doctor`, async () => {
      cf.setScenario(scenario);
      await enable({ type: 'cloudflare-quick' });
      const x = await waitExposure('cloudflare-quick', (e) => e.state === 'failed');
      expect(x).toMatchObject({ reason });
      expect(x.hint).toBeTruthy();
      const p = z
        .object({ providers: z.array(ProviderStatus) })
        .parse((await requestOne(daemon, { path: '/v1/providers' })).json())
        .providers.find((q) => q.id === 'cloudflare');
      expect(p).toMatchObject({ available: true, version: '2026.8.2', reason });
      expect(p?.hint).toMatch(/Last log lines: .*\S/);
      await disable('cloudflare-quick');
      cf.setScenario('ok');
    });
  }

  it('runs a named tunnel from a token file, keeping the token out of ps and the logs', async () => {
    const secret = 'c2VjcmV0LXR1bm5lbC1zZWNyZXQtdmFsdWU';
    const tokenFile = join(home, 'tunnel.token');
    writeFileSync(
      tokenFile,
      Buffer.from(JSON.stringify({ a: 'acct', t: '5b1a4e44-3c5f-4bb2-9d41-9a8c3e7f0001', s: secret })).toString('base64'),
      { mode: 0o600 },
    );
    cf.setNamedOrigin(`http://127.0.0.1:${backend.port}`);
    await enable({ type: 'cloudflare-named', options: { tokenFile } });
    const x = await waitExposure('cloudflare-named', (e) => e.state === 'active' || e.state === 'failed');
    expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${NAMED_HOST}/`, status: 'verified' } });
    const token = readFileSync(tokenFile, 'utf8');
    const ps = await execa('ps', ['-eo', 'args']);
    expect(ps.stdout).toContain('--token-file');
    expect(ps.stdout).not.toContain(token);
    await disable('cloudflare-named');
    const logs = String((await daemon.stop().then(() => daemon.process)).stderr);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(secret);
    daemon = await start();
  });

  describe('a token tunnel takes its hostname from the configuration the dashboard pushes (issue 16.5)', () => {
    const tokenFile = () => {
      const file = join(home, 'late.token');
      writeFileSync(
        file,
        Buffer.from(JSON.stringify({ a: 'acct', t: '5b1a4e44-3c5f-4bb2-9d41-9a8c3e7f0002', s: 'late' })).toString('base64'),
        {
          mode: 0o600,
        },
      );
      return file;
    };
    const spawns = () => cf.invocations().filter((a) => a.includes('--token-file')).length;

    it('waits for an ingress that arrives 400 ms after ready, and picks the rule for this backend, not the first one', async () => {
      cf.setNamedIngress(
        [
          { hostname: 'grafana.example.test', service: `http://localhost:${backend.port + 1}` },
          { hostname: '*.example.test', service: `http://localhost:${backend.port}` },
          { hostname: NAMED_HOST, service: `http://localhost:${backend.port}` },
          { service: 'http_status:404' },
        ],
        400,
      );
      const before = spawns();
      try {
        await enable({ type: 'cloudflare-named', options: { tokenFile: tokenFile() } });
        const x = await waitExposure('cloudflare-named', (e) => e.state === 'active' || e.state === 'failed');
        expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${NAMED_HOST}/`, status: 'verified' } });
        expect(spawns() - before).toBe(1); // waited, no restart
        await disable('cloudflare-named');
      } finally {
        cf.setNamedIngress(null);
      }
    });

    it('fails once, naming what the dashboard points where, when no rule serves this backend', async () => {
      cf.setNamedIngress(
        [{ hostname: 'grafana.example.test', service: `http://localhost:${backend.port + 1}` }, { service: 'http_status:404' }],
        100,
      );
      const before = spawns();
      try {
        await enable({ type: 'cloudflare-named', options: { tokenFile: tokenFile() } });
        const x = await waitExposure('cloudflare-named', (e) => e.state === 'failed');
        expect(x).toMatchObject({ reason: 'no-ingress-for-backend', hint: expect.stringMatching(/Public Hostname/) });
        expect(x.error).toContain(`grafana.example.test → http://localhost:${backend.port + 1}`);
        expect(spawns() - before).toBe(1); // a lasting failure: not retried
        await disable('cloudflare-named');
      } finally {
        cf.setNamedIngress(null);
      }
    });
  });

  it('refuses a bad token with its reason', async () => {
    const tokenFile = join(home, 'bad.token');
    writeFileSync(tokenFile, Buffer.from(JSON.stringify({ a: 'acct', t: 'x', s: 'bad' })).toString('base64'));
    await enable({ type: 'cloudflare-named', options: { tokenFile } });
    expect(await waitExposure('cloudflare-named', (e) => e.state === 'failed')).toMatchObject({ reason: 'tunnel-bad-token' });
    await disable('cloudflare-named');
  });

  it('runs a named tunnel from a credentials file, with endpointd writing the ingress and its catch-all', async () => {
    const tunnelId = '5b1a4e44-3c5f-4bb2-9d41-9a8c3e7f0002';
    const credentialsFile = join(home, `${tunnelId}.json`);
    writeFileSync(credentialsFile, JSON.stringify({ AccountTag: 'acct', TunnelSecret: 'c2VjcmV0', TunnelID: tunnelId, Endpoint: '' }), {
      mode: 0o600,
    });
    await enable({ type: 'cloudflare-named', options: { credentialsFile, tunnelId, hostname: NAMED_HOST } });
    const x = await waitExposure('cloudflare-named', (e) => e.state === 'active' || e.state === 'failed');
    expect(x).toMatchObject({ state: 'active', endpoint: { url: `https://${NAMED_HOST}/`, status: 'verified' } });
    expect(
      cf
        .invocations()
        .findLast((a) => a[0] === 'tunnel')
        ?.slice(-2),
    ).toEqual(['run', tunnelId]);
    await disable('cloudflare-named');
  });

  it('validates named-tunnel options before starting anything', async () => {
    const r = await enable({ type: 'cloudflare-named', options: { credentialsFile: '/x.json' } });
    expect(r.status).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/credentialsFile needs tunnelId and hostname/);
  });

  it('turns a stalled tunnel (alive, /ready without connections) unreachable within 15 s, then restarts it (issue 11.4)', async () => {
    await disable('cloudflare-quick');
    await daemon.stop();
    const config = join(home, 'stall-config.json');
    writeFileSync(config, JSON.stringify({ tunnelStall: { unreachableAfterMs: 3_000, restartAfterMs: 9_000 } }));
    daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`, '--config', config], { home, env: { ...cf.env, HOME: userHome } });
    cf.setScenario('stall-once');
    rmSync(join(cf.state, 'stalled'), { force: true });
    writeFileSync(join(cf.state, 'stall-after-ms'), '1500');
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    await enable({ type: 'cloudflare-quick' });
    const first = await waitExposure('cloudflare-quick', (e) => e.state === 'active');
    const oldUrl = first.endpoint?.url ?? '';
    const oldPid = tunnelPid();
    // The stall begins 1.5 s after the connection registered; measured from the marker the fake writes.
    await expect.poll(() => existsSync(join(cf.state, 'stalled')), { timeout: 10_000 }).toBe(true);
    const stalledAt = Date.now();
    const down = await events.waitFor(
      (l) =>
        l.event === 'endpoints' &&
        (l.data as EndpointList).endpoints.some((e: Endpoint) => e.url === oldUrl && e.verification.reason === 'tunnel-disconnected'),
      15_000,
    );
    expect((down.at ?? 0) - stalledAt).toBeLessThan(15_000);
    const stalled = (down.data as EndpointList).endpoints.find((e) => e.url === oldUrl);
    expect(stalled).toMatchObject({ status: 'unreachable' });
    expect(stalled?.verification.hint).toMatch(
      /runs but is not connected to its edge \(\/ready answered 503 with 0 edge connections for \d+ s\)/,
    );
    // The process was alive all along: the same pid, not a crash.
    expect(tunnelPid()).toBe(oldPid);
    expect(alive(oldPid ?? 0)).toBe(true);
    const exposure = await waitExposure('cloudflare-quick', (e) => e.reason === 'tunnel-disconnected');
    expect(exposure.hint).toMatch(/runs but is not connected to its edge \(\/ready answered 503/);
    // After the longer threshold it is restarted: a new process, a new URL, verified.
    const second = await waitExposure('cloudflare-quick', (e) => e.state === 'active' && e.endpoint?.url !== oldUrl, 30_000);
    expect(second.endpoint?.status).toBe('verified');
    expect(tunnelPid()).not.toBe(oldPid);
    await expect.poll(() => alive(oldPid ?? 0), { timeout: 5_000 }).toBe(false);
    await events.close();
    await disable('cloudflare-quick');
    cf.setScenario('ok');
  });

  it('says where it looked and how to install when cloudflared is missing', async () => {
    await daemon.stop();
    daemon = await start({ ENDPOINTD_CLOUDFLARED_BIN: '/nonexistent/cloudflared' });
    const p = z
      .object({ providers: z.array(ProviderStatus) })
      .parse((await requestOne(daemon, { path: '/v1/providers' })).json())
      .providers.find((q) => q.id === 'cloudflare');
    expect(p).toMatchObject({ available: false, reason: 'not-installed' });
    expect(p?.hint).toMatch(/ENDPOINTD_CLOUDFLARED_BIN.*never downloads/);
    await enable({ type: 'cloudflare-quick' });
    expect(await waitExposure('cloudflare-quick', (e) => e.state === 'failed')).toMatchObject({ reason: 'not-installed' });
    await disable('cloudflare-quick');
  });
});
