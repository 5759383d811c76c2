import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultResolution, EndpointList, Exposure } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningDaemon, requestOne, startDaemon, tempHome } from './helpers/daemon.js';
import { type FakeCloudflare, setupFakeCloudflare } from './helpers/fake-cloudflare.js';
import { type FakeTailscale, setupFakeTailscale } from './helpers/fake-tailscale.js';
import { tag } from './helpers/list.js';
import { addVirtualInterfaces, createLanTopology, type LanTopology } from './helpers/netns.js';
import { inNamespace, REPO_ROOT, type RunningBackend, runEndpoints, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason(['chromium']);
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOTS = join(REPO_ROOT, 'test-results');
const OTHER_PORT = 5555;
// A fixed port: the console's origin must stay the same across a daemon restart.
const DAEMON_PORT = 4799;
const Exposures = z.object({ exposures: z.array(Exposure) });

// The console in a real Chromium (Debian's package, driven by playwright-core), against the real
// daemon with the fake tailscale and cloudflared, in a network namespace (issue 12.5).
describe.skipIf(unavailable)('the web console in Chromium', () => {
  let t: LanTopology;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  let ts: FakeTailscale;
  let cf: FakeCloudflare;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let other: ResultPromise;
  let daemonArgs: string[] = [];
  let daemonEnv: Record<string, string> = {};
  const work = mkdtempSync(join(tmpdir(), 'epd-console-'));

  const loginUrl = async () => {
    const r = await runEndpoints(t.host, ['open', '--print-url'], { ENDPOINTD_HOME: daemon.home });
    expect(r.exitCode).toBe(0);
    return String(r.stdout).trim();
  };
  const api = async (path: string): Promise<unknown> => (await requestOne(daemon, { path })).json();
  const savedDefault = async () => DefaultResolution.parse(await api('/v1/backends/app/default')).requestedType;
  const backendNames = async () =>
    z
      .object({ backends: z.array(z.object({ name: z.string() })) })
      .parse(await api('/v1/backends'))
      .backends.map((b) => b.name);
  const backendCount = async () => (await backendNames()).length;
  const row = (type: string) => page.locator(`#endpoints tbody tr[data-endpoint^="${type}-"]`).first();
  const statusOf = (type: string) =>
    row(type)
      .getAttribute('data-status', { timeout: 1_000 })
      .catch(() => null);
  const card = (type: string) => page.locator(`[data-exposure="${type}"]`);

  beforeAll(async () => {
    t = await createLanTopology(tag('con'));
    const tsIps = await addVirtualInterfaces(t.host);
    backend = await startBackend(t.host, ['--host', '::', '--id', 'console-app']);
    const ca = await createTestCa();
    ts = await setupFakeTailscale(t.host, ca, tsIps.tailscaleV4, tsIps.tailscaleV6, [backend.port]);
    cf = await setupFakeCloudflare(t.host, ca);
    const env = { ...ts.env, ...cf.env, ENDPOINTD_CONNECT_TO: `${ts.env.ENDPOINTD_CONNECT_TO},${cf.env.ENDPOINTD_CONNECT_TO}` };
    daemonArgs = ['--listen', `127.0.0.1:${DAEMON_PORT}`, '--backend', `app=${backend.port}`];
    daemonEnv = env;
    daemon = await startDaemon(t.host, daemonArgs, { home: tempHome(), env });
    // A page on another localhost port, in the same browser: it must get nothing with the cookie.
    const [cmd, argv] = inNamespace(t.host, process.execPath, [
      '-e',
      `require('node:http').createServer((q, r) => { r.writeHead(200, { 'content-type': 'text/html' }); r.end('<!doctype html><title>other</title><p>other</p>'); })
        .listen(${OTHER_PORT}, '127.0.0.1', () => console.log('ready'));`,
    ]);
    other = execa(cmd, argv, { reject: false, buffer: false });
    await new Promise<void>((resolve) => other.stdout?.once('data', () => resolve()));
    const wrapper = join(work, 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${t.host} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({ executablePath: wrapper, args: ['--no-sandbox', '--headless=new'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    other?.kill('SIGTERM');
    await daemon?.stop();
    await cf?.stop();
    ts?.cleanup();
    await backend?.stop();
    await t?.destroy();
  });

  it('a login link works once and only once; the token never reaches the page, its URL or its cookies', async () => {
    const link = await loginUrl();
    expect(new URL(link).pathname).toBe('/console/login');
    await page.goto(link);
    expect(page.url()).toBe(`${daemon.url}/`);
    await row('loopback').waitFor({ timeout: 15_000 });
    expect(await page.content()).not.toContain(daemon.token);
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly
    expect(await page.evaluate('history.length')).toBe(2); // about:blank, then the console: no login entry
    const cookies = await context.cookies(daemon.url);
    expect(cookies).toMatchObject([{ name: 'endpointd_session', httpOnly: true, sameSite: 'Strict', path: '/' }]);
    // The same link, a second time, in a fresh browser profile.
    const second = await browser.newContext();
    const again = await second.newPage();
    const res = await again.goto(link);
    expect(res?.status()).toBe(401);
    expect(await again.textContent('h1')).toBe('This login link does not work');
    expect(await second.cookies(daemon.url)).toEqual([]);
    await second.close();
  });

  it('renders the list and updates it when the backend stops and starts, with no reload', async () => {
    await expect.poll(() => statusOf('loopback'), { timeout: 15_000 }).toBe('verified');
    await expect.poll(() => page.locator('#qr svg').count(), { timeout: 10_000 }).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-desktop.png'), fullPage: true });
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const port = backend.port;
    await backend.stop();
    await expect.poll(() => statusOf('loopback'), { timeout: 5_000 }).toBe('unreachable');
    expect(await page.locator('#endpoints').textContent()).toMatch(/the backend stopped listening/);
    backend = await startBackend(t.host, ['--host', '::', '--port', String(port), '--id', 'console-app']);
    await expect.poll(() => statusOf('loopback'), { timeout: 5_000 }).toBe('verified');
    expect(navigations).toBe(0);
  });

  it('reconnects after a daemon restart, still logged in (the session survives), and shows the new state', async () => {
    await expect.poll(() => page.textContent('#connection'), { timeout: 5_000 }).toBe('live');
    const home = daemon.home;
    await daemon.stop();
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('reconnecting…');
    daemon = await startDaemon(t.host, daemonArgs, { home, env: daemonEnv });
    await expect.poll(() => page.textContent('#connection'), { timeout: 15_000 }).toBe('live');
    await expect.poll(() => statusOf('loopback'), { timeout: 15_000 }).toBe('verified');
    expect(await page.isVisible('#logout')).toBe(true);
  });

  it('adds and removes a backend from the page', async () => {
    await page.fill('#new-name', 'second');
    await page.fill('#new-port', String(backend.port));
    await page.click('#add-backend button[type="submit"]');
    await expect.poll(backendNames, { timeout: 5_000 }).toContain('second');
    await expect.poll(() => page.inputValue('#backend')).toBe('second');
    page.once('dialog', (d) => void d.accept());
    await page.click('#remove-backend');
    await expect.poll(backendNames, { timeout: 5_000 }).not.toContain('second');
    await expect.poll(() => page.inputValue('#backend')).toBe('app');
  });

  it('lists what listens on this machine and adds one as a backend (what `endpoints discover` does)', async () => {
    const extra = await startBackend(t.host, ['--host', '127.0.0.1', '--id', 'discovered-one']);
    try {
      const add = page.locator(`#discovered li[data-port="${extra.port}"] button`);
      await add.waitFor({ timeout: 15_000 });
      await add.click();
      const Backends = z.object({ backends: z.array(z.object({ name: z.string(), port: z.number() })) });
      await expect
        .poll(async () => Backends.parse(await api('/v1/backends')).backends.find((b) => b.port === extra.port)?.name ?? null, {
          timeout: 5_000,
        })
        .not.toBeNull();
      const name = Backends.parse(await api('/v1/backends')).backends.find((b) => b.port === extra.port)?.name ?? '';
      await expect.poll(() => page.inputValue('#backend')).toBe(name);
      await expect.poll(() => page.locator(`#discovered li[data-port="${extra.port}"]`).textContent()).toContain(`backend "${name}"`);
      await requestOne(daemon, { method: 'DELETE', path: `/v1/backends/${name}` });
      await page.selectOption('#backend', 'app');
    } finally {
      await extra.stop();
    }
  });

  it('changing the default type in the page changes the API’s default', async () => {
    await page.selectOption('#default-type', 'tailscale-ip');
    await expect.poll(async () => savedDefault(), { timeout: 5_000 }).toBe('tailscale-ip');
    await expect.poll(() => page.textContent('#default-reason')).toMatch(/saved default type tailscale-ip/);
    await page.selectOption('#default-type', '');
    await expect.poll(async () => savedDefault(), { timeout: 5_000 }).toBeNull();
  });

  it('enables a Cloudflare quick tunnel: starting → active with the verified URL and its QR code, then disables it', async () => {
    await card('cloudflare-quick').getByRole('button', { name: 'Enable' }).click();
    await expect
      .poll(() => card('cloudflare-quick').locator('[data-state]').getAttribute('data-state'), { timeout: 5_000 })
      .toMatch(/starting|active/);
    await expect
      .poll(() => card('cloudflare-quick').locator('[data-state]').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('active');
    const url = (await card('cloudflare-quick').locator('code').textContent()) ?? '';
    expect(url).toMatch(/^https:\/\/[a-z0-9-]+\.trycloudflare\.com\/$/);
    const list = EndpointList.parse(await api('/v1/backends/app/endpoints'));
    const tunnel = list.endpoints.find((e) => e.url === url);
    expect(tunnel?.status).toBe('verified');
    await expect.poll(() => page.locator(`#qr-endpoint option[value="${tunnel?.id}"]`).count(), { timeout: 5_000 }).toBe(1);
    await page.selectOption('#qr-endpoint', tunnel?.id ?? '');
    await expect.poll(() => page.locator('#qr [data-qr-url]').textContent()).toBe(url);
    expect(await page.locator('#qr svg').getAttribute('aria-label')).toBe(`QR code of ${url}`);
    await card('cloudflare-quick').getByRole('button', { name: 'Disable' }).click();
    await expect
      .poll(() => card('cloudflare-quick').locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('stopped');
  });

  it('shows Tailscale’s approval link, then active once approved', async () => {
    ts.setScenario('approval-wait');
    await card('tailscale-serve').getByRole('button', { name: 'Enable' }).click();
    const approve = card('tailscale-serve').getByRole('link', { name: /Approve/ });
    await approve.waitFor({ timeout: 15_000 });
    expect(await approve.getAttribute('href')).toMatch(/^https:\/\/login\.tailscale\.com\//);
    ts.approve();
    await expect.poll(() => card('tailscale-serve').locator('[data-state]').getAttribute('data-state'), { timeout: 20_000 }).toBe('active');
    expect(await card('tailscale-serve').locator('code').textContent()).toMatch(/^https:\/\/devbox\.tail-test\.ts\.net/);
    await card('tailscale-serve').getByRole('button', { name: 'Disable' }).click();
    await expect
      .poll(() => card('tailscale-serve').locator('[data-state]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('stopped');
    ts.setScenario('running');
  });

  it('an exposure with an expiry shows the time left, and the daemon stops it when it is up', async () => {
    const r = await requestOne(daemon, {
      method: 'POST',
      path: '/v1/backends/app/exposures',
      body: JSON.stringify({ type: 'cloudflare-quick', expiresInMs: 6_000 }),
    });
    expect(r.status).toBe(202);
    await expect.poll(() => card('cloudflare-quick').locator('.time-left').textContent(), { timeout: 10_000 }).toMatch(/^stops in \d s$/);
    await expect
      .poll(() => card('cloudflare-quick').locator('[data-state]').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('stopped');
    expect(await card('cloudflare-quick').textContent()).toMatch(/expired/);
    // Stopped and forgotten: nothing left to restore at the next start.
    expect(Exposures.parse(await api('/v1/backends/app/exposures')).exposures.find((x) => x.type === 'cloudflare-quick')).toBeUndefined();
  });

  it('has no serious accessibility violations (axe-core), on a desktop and on a phone', async () => {
    const violations = async () =>
      (await page.evaluate(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
      )) as unknown[];
    // Evaluated through the DevTools protocol, which the page's CSP does not apply to.
    await page.evaluate(AXE);
    expect(await violations()).toEqual([]);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addCookies(await context.cookies(daemon.url));
    const small = await phone.newPage();
    await small.goto(`${daemon.url}/`);
    await small.locator('#endpoints tbody tr[data-endpoint]').first().waitFor({ timeout: 15_000 });
    await small.screenshot({ path: join(SCREENSHOTS, 'console-phone.png'), fullPage: true });
    await small.evaluate(AXE);
    const phoneViolations = (await small.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id))`,
    )) as string[];
    expect(phoneViolations).toEqual([]);
    // Keyboard: the backend picker, then the rest, are reached with Tab.
    await small.keyboard.press('Tab');
    expect(await small.evaluate('document.activeElement?.id')).toBe('backend');
    await phone.close();
  });

  it('a page served from another localhost port cannot read or change anything with the user’s cookie', async () => {
    const before = await backendCount();
    const evil = await context.newPage();
    await evil.goto(`http://127.0.0.1:${OTHER_PORT}/`);
    const outcome = (await evil.evaluate(`(async () => {
      const base = ${JSON.stringify(daemon.url)};
      const read = await fetch(base + '/v1/backends', { credentials: 'include' }).then((r) => 'read ' + r.status, (e) => 'refused: ' + e.message);
      const write = await fetch(base + '/v1/backends', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"name":"evil","port":4444}' }).then((r) => 'sent ' + r.type, (e) => 'refused: ' + e.message);
      const json = await fetch(base + '/v1/backends', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"name":"evil2","port":4445}' }).then((r) => 'sent ' + r.status, (e) => 'refused: ' + e.message);
      const events = await new Promise((resolve) => { const es = new EventSource(base + '/v1/events', { withCredentials: true }); es.onopen = () => { es.close(); resolve('open'); }; es.onerror = () => { es.close(); resolve('refused'); }; });
      return { read, write, json, events };
    })()`)) as Record<string, string>;
    expect(outcome.read).toMatch(/^refused/);
    expect(outcome.json).toMatch(/^refused/);
    expect(outcome.events).toBe('refused');
    // Nothing was added: the daemon refused the requests itself (the no-cors one got past the browser).
    expect(await backendCount()).toBe(before);
    await evil.close();
  });

  it('`endpoints sessions` lists the page’s session and ends it: the open page is logged out at once', async () => {
    const env = { ENDPOINTD_HOME: daemon.home };
    const listed = await runEndpoints(t.host, ['sessions', '--json'], env);
    expect(listed.exitCode).toBe(0);
    const { sessions } = z
      .object({ sessions: z.array(z.object({ id: z.string(), userAgent: z.string().nullable() })) })
      .parse(JSON.parse(String(listed.stdout)));
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    expect(sessions.some((x) => /Chrome/.test(x.userAgent ?? ''))).toBe(true);
    const revoked = await runEndpoints(t.host, ['sessions', 'revoke', '--all'], env);
    expect(revoked.exitCode).toBe(0);
    expect(String(revoked.stdout)).toMatch(/^Ended \d+ console sessions?\.$/m);
    await expect.poll(() => page.textContent('main h2', { timeout: 1_000 }).catch(() => null), { timeout: 10_000 }).toBe('Not logged in');
    const bad = await runEndpoints(t.host, ['sessions', 'revoke'], env);
    expect(bad.exitCode).toBe(2);
  });
});
