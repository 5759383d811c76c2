import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyBrowser } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace, ip } from './helpers/netns.js';
import { inNamespace, REPO_ROOT } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason(['chromium', 'certutil']);

// Addresses inside the namespace (all on its loopback device): the calling app, a public target,
// a private IPv4, a ULA, and a documentation-range IPv6 that Chromium's table counts as local.
const APP = '203.0.113.10';
const PUBLIC = '198.51.100.7';
const PRIVATE = '10.77.5.5';
const ULA = 'fd00:77::5';
const DOC_V6 = '2001:db8::5';
const [HTTP, HTTPS, SELF] = [8080, 8443, 8444];

type Outcome = { fetch: string; ws: string };
interface Target {
  url: string;
  /** What the probe would resolve (for names), and whether its TLS verified. */
  resolved: string | null;
  tlsTrusted: boolean | null;
}
const TARGETS: Target[] = [
  { url: `http://127.0.0.1:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `http://[::1]:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `http://${PRIVATE}:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `http://[${ULA}]:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `http://[${DOC_V6}]:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `http://${PUBLIC}:${HTTP}/`, resolved: null, tlsTrusted: null },
  { url: `https://trusted.test:${HTTPS}/`, resolved: PUBLIC, tlsTrusted: true },
  { url: `https://lan.test:${HTTPS}/`, resolved: PRIVATE, tlsTrusted: true },
  { url: `https://selfsigned.test:${SELF}/`, resolved: PUBLIC, tlsTrusted: false },
];

// What a page on a public https origin may do, per browsers.md; checked against a real Chromium
// (Debian's package) driven by playwright-core, with the local-network permission granted and
// denied (issue 11.7).
describe.skipIf(unavailable)('the Chromium verdicts match what Chromium does (issue 11.7)', () => {
  let ns: string;
  let servers: ResultPromise;
  let browser: Browser;
  const work = mkdtempSync(join(tmpdir(), 'epd-chromium-'));

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('chr')}`);
    for (const a of [`${APP}/32`, `${PUBLIC}/32`, `${PRIVATE}/32`]) await ip('-n', ns, 'addr', 'add', a, 'dev', 'lo');
    for (const a of [`${ULA}/128`, `${DOC_V6}/128`]) await ip('-n', ns, 'addr', 'add', a, 'dev', 'lo', 'nodad');
    const ca = await createTestCa();
    const targets = await issueCert(ca, 'targets', ['app.example.test', 'trusted.test', 'lan.test']);
    const selfCert = join(work, 'self.pem');
    const selfKey = join(work, 'self.key');
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      selfKey,
      '-out',
      selfCert,
      '-days',
      '2',
      '-subj',
      '/CN=selfsigned.test',
      '-addext',
      'subjectAltName=DNS:selfsigned.test',
    ]);
    // The test CA is trusted by this Chromium only: an NSS db in a HOME of its own.
    const home = join(work, 'home');
    await execa('mkdir', ['-p', join(home, '.pki/nssdb')]);
    await execa('certutil', ['-d', `sql:${home}/.pki/nssdb`, '-N', '--empty-password']);
    await execa('certutil', ['-d', `sql:${home}/.pki/nssdb`, '-A', '-t', 'C,,', '-n', 'endpointd-test-ca', '-i', ca.caCert]);
    const page = join(work, 'page.html');
    writeFileSync(page, '<!doctype html><meta charset="utf-8"><title>app</title><p>app</p>');
    const [cmd, argv] = inNamespace(ns, process.execPath, [
      join(REPO_ROOT, 'tests/fixtures/browser-targets.mjs'),
      ...['--app', APP, '--http', String(HTTP), '--https', String(HTTPS), '--self', String(SELF)],
      ...['--cert', targets.cert, '--key', targets.key, '--self-cert', selfCert, '--self-key', selfKey, '--page', page],
    ]);
    servers = execa(cmd, argv, { reject: false, buffer: false });
    await new Promise<void>((resolve, reject) => {
      servers.stdout?.once('data', () => resolve());
      void servers.then((r) => reject(new Error(`targets exited (${r.exitCode})`)));
    });
    const wrapper = join(work, 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({
      executablePath: wrapper,
      env: { HOME: home },
      args: [
        '--no-sandbox',
        '--headless=new',
        `--host-resolver-rules=MAP app.example.test ${APP}, MAP trusted.test ${PUBLIC}, MAP selfsigned.test ${PUBLIC}, MAP lan.test ${PRIVATE}`,
        // The app and the public target are public whatever Chromium's table says of these test ranges.
        `--ip-address-space-overrides=${APP}:443=public,${PUBLIC}:${HTTP}=public,${PUBLIC}:${HTTPS}=public,${PUBLIC}:${SELF}=public`,
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    servers?.kill('SIGTERM');
    await servers;
    await deleteNamespace(ns);
  });

  async function outcomes(grant: boolean): Promise<Outcome[]> {
    const context = await browser.newContext();
    if (grant) await context.grantPermissions(['local-network-access'], { origin: 'https://app.example.test' });
    const page = await context.newPage();
    // Chromium's own words for each refusal, shown with DEBUG_CHROMIUM=1.
    if (process.env.DEBUG_CHROMIUM) page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
    await page.goto('https://app.example.test/');
    expect((await page.evaluate('globalThis.isSecureContext')) as boolean).toBe(true);
    const results: Outcome[] = [];
    for (const t of TARGETS) {
      results.push(
        await page.evaluate(async (url: string) => {
          const fetchResult = await fetch(url, { mode: 'cors' }).then(
            (r) => (r.ok ? 'ok' : `http ${r.status}`),
            (e: Error) => `blocked: ${e.message}`,
          );
          const ws = await new Promise<string>((resolve) => {
            try {
              const socket = new WebSocket(url.replace(/^http/, 'ws'));
              const timer = setTimeout(() => resolve('blocked: timeout'), 5_000);
              socket.onopen = () => {
                clearTimeout(timer);
                socket.close();
                resolve('ok');
              };
              socket.onerror = () => {
                clearTimeout(timer);
                resolve('blocked: error');
              };
            } catch (e) {
              resolve(`blocked: ${(e as Error).message}`);
            }
          });
          return { fetch: fetchResult, ws };
        }, t.url),
      );
    }
    await context.close();
    return results;
  }

  it('ok works without the permission, prompt only with it, blocked never — for fetch and WebSocket', async () => {
    const granted = await outcomes(true);
    const denied = await outcomes(false);
    const seen = TARGETS.map((t, i) => {
      const g = granted[i] as Outcome;
      const d = denied[i] as Outcome;
      const works = (o: Outcome) => o.fetch === 'ok' && o.ws === 'ok';
      const fails = (o: Outcome) => o.fetch.startsWith('blocked') && o.ws.startsWith('blocked');
      const observed =
        works(d) && works(g)
          ? 'ok'
          : works(g) && fails(d)
            ? 'prompt'
            : fails(g) && fails(d)
              ? 'blocked'
              : `mixed ${JSON.stringify({ g, d })}`;
      const predicted = classifyBrowser({ url: new URL(t.url), resolvedAddress: t.resolved, tlsTrusted: t.tlsTrusted }).chromium;
      return { url: t.url, predicted, observed };
    });
    expect(seen).toEqual(seen.map((s) => ({ ...s, observed: s.predicted })));
  }, 120_000);

  it('browser.secureContext matches window.isSecureContext of a page opened at the endpoint (issue 11.6)', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: false });
    const page = await context.newPage();
    const seen: Array<{ url: string; predicted: boolean; observed: boolean }> = [];
    for (const t of TARGETS.filter((x) => x.tlsTrusted !== false)) {
      await page.goto(t.url);
      const predicted = classifyBrowser({ url: new URL(t.url), resolvedAddress: t.resolved, tlsTrusted: t.tlsTrusted }).secureContext;
      seen.push({ url: t.url, predicted, observed: (await page.evaluate('globalThis.isSecureContext')) as boolean });
    }
    await context.close();
    expect(seen).toEqual(seen.map((s) => ({ ...s, observed: s.predicted })));
    // Both kinds are present: the test can fail either way.
    expect(new Set(seen.map((s) => s.observed))).toEqual(new Set([true, false]));
  });
});
