import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Endpoint, type EndpointList, Exposure } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningDaemon, requestOne, startDaemon, subscribe, tempHome, waitForExposure } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { createRelayTopology, type RelayTopology } from './helpers/netns.js';
import { startNginx } from './helpers/nginx.js';
import { inNamespace, REPO_ROOT, startUntil } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa, issueCert, type TestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason(['nginx', 'ss']);
const RELAY_BIN = `${REPO_ROOT}apps/relay/dist/endpointd-relay.js`;
const BACKEND = `${REPO_ROOT}tests/fixtures/relay-backend.mjs`;
const CLIENT = `${REPO_ROOT}tests/fixtures/relay-client.mjs`;
const PUBLIC = 'https://app.relay.test/';

describe.skipIf(unavailable)('relay: a phone reaches the backend through endpointd-relay behind nginx with TLS', () => {
  let t: RelayTopology;
  let ca: TestCa;
  let relay: ResultPromise;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let backend: ResultPromise;
  let backendPort: number;
  let daemon: RunningDaemon;
  let secrets: string;
  let tokenFile: string;
  const home = tempHome();
  let env: Record<string, string>;

  const startRelay = async (): Promise<{ child: ResultPromise }> => {
    const { child } = await startUntil(
      t.relay,
      [
        process.execPath,
        RELAY_BIN,
        '--listen',
        '127.0.0.1:8080',
        '--agent-token-file',
        join(secrets, 'relay-tokens'),
        '--base-domain',
        'relay.test',
        '--public-url',
        'https://relay.test',
        '--trust-proxy',
        '127.0.0.1',
      ],
      /"msg":"listening"/,
    );
    return { child };
  };
  const exposures = async (d = daemon) =>
    z.object({ exposures: z.array(Exposure) }).parse((await requestOne(d, { path: '/v1/backends/app/exposures' })).json()).exposures;
  const waitExposure = (states: string[], d = daemon, timeoutMs = 20_000) =>
    waitForExposure(d, 'app', 'relay', (x) => states.includes(x.state), timeoutMs);
  const enable = async (options: Record<string, unknown>, d = daemon) =>
    await requestOne(d, { method: 'POST', path: '/v1/backends/app/exposures', body: JSON.stringify({ type: 'relay', options }) });
  const phone = async (check: string, extra: string[] = []) => {
    const [cmd, argv] = inNamespace(t.client, process.execPath, [
      CLIENT,
      '--url',
      PUBLIC,
      '--connect',
      `${t.relayForClient}:443`,
      '--check',
      check,
      ...extra,
    ]);
    const r = await execa(cmd, argv, { env: { NODE_EXTRA_CA_CERTS: ca.caCert }, timeout: 20_000 });
    return JSON.parse(String(r.stdout)) as Record<string, unknown>;
  };
  const agentAttempts = () =>
    nginx
      .accessLog()
      .split('\n')
      .filter((l) => l.includes('/_endpointd/agent'));

  beforeAll(async () => {
    t = await createRelayTopology(tag('relay'));
    ca = await createTestCa();
    const cert = await issueCert(ca, 'relay', ['relay.test', '*.relay.test']);
    secrets = mkdtempSync(join(tmpdir(), 'endpointd-relay-'));
    writeFileSync(join(secrets, 'relay-tokens'), '# agent tokens\nagent-token-0123456789abcdef\n', { mode: 0o600 });
    tokenFile = join(secrets, 'agent.token');
    writeFileSync(tokenFile, 'agent-token-0123456789abcdef\n', { mode: 0o600 });
    chmodSync(secrets, 0o700);
    relay = (await startRelay()).child;
    nginx = await startNginx(t.relay, [
      {
        listen: '0.0.0.0:443',
        serverName: 'relay.test *.relay.test',
        cert: cert.cert,
        key: cert.key,
        websocket: true,
        upstream: '127.0.0.1:8080',
        // The README's snippet: streaming both ways, big uploads, long-lived connections.
        extra: [
          'proxy_buffering off;',
          'proxy_request_buffering off;',
          'client_max_body_size 64m;',
          'proxy_read_timeout 1h;',
          'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
          'proxy_set_header X-Forwarded-Proto $scheme;',
        ],
      },
    ]);
    const b = await startUntil(t.agent, [process.execPath, BACKEND], /ready (\d+)/);
    backend = b.child;
    backendPort = Number(b.match[1]);
    env = {
      ENDPOINTD_CONNECT_TO: `relay.test:443=${t.relayForAgent}:443,*.relay.test:443=${t.relayForAgent}:443`,
      NODE_EXTRA_CA_CERTS: ca.caCert,
    };
    daemon = await startDaemon(t.agent, ['--backend', `app=${backendPort}`], { home, env });
  });
  afterAll(async () => {
    await daemon?.stop();
    backend?.kill('SIGTERM');
    relay?.kill('SIGTERM');
    await nginx?.stop();
    await t?.destroy();
  });

  it('enables the relay with one call: active, the public URL verified', async () => {
    const res = await enable({ relayUrl: 'https://relay.test', tokenFile, name: 'app' });
    expect(res.status).toBe(202);
    const x = await waitExposure(['active', 'failed']);
    expect(x).toMatchObject({ state: 'active', endpoint: { type: 'relay', url: PUBLIC, status: 'verified', scope: 'public' } });
  });

  it('carries GET, a 10 MB upload, SSE as it streams, a WebSocket and 100 requests at once from the client device', async () => {
    expect(await phone('get')).toMatchObject({ status: 200, body: expect.stringContaining('relay-test-backend') });
    const post = await phone('post');
    expect(post).toMatchObject({ status: 200, got: { bytes: 10 << 20, sha256: post.sent } });
    const sse = (await phone('sse')) as { status: number; type: string; got: Array<{ data: string; at: number }> };
    expect(sse).toMatchObject({ status: 200, type: 'text/event-stream' });
    expect(sse.got.map((e) => e.data)).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect((sse.got[2]?.at ?? 0) - (sse.got[0]?.at ?? 0)).toBeGreaterThanOrEqual(150); // each as it was sent, not buffered
    expect(await phone('ws')).toEqual({ handshake: 'HTTP/1.1 101 Switching Protocols', echo: 'hello through the relay' });
    expect(await phone('concurrent')).toEqual({ statuses: [200], count: 100 });
  });

  it('hands the backend its own X-Forwarded-* headers, never the ones a client forged', async () => {
    const r = await phone('headers', [
      '--header',
      'X-Forwarded-For: 6.6.6.6',
      '--header',
      'X-Forwarded-Host: evil.example',
      '--header',
      'X-Forwarded-Proto: gopher',
    ]);
    expect(r.headers).toMatchObject({
      'x-forwarded-for': '10.78.2.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.relay.test',
    });
  });

  it('goes unreachable at once when the relay dies, reconnects with backoff (no storm), and is verified again', async () => {
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    const before = agentAttempts().length;
    relay.kill('SIGKILL');
    await relay;
    await events.waitFor(
      (l) =>
        l.event === 'endpoints' &&
        (l.data as EndpointList).endpoints.some((e: Endpoint) => e.type === 'relay' && e.status === 'unreachable'),
      5_000,
    );
    expect((await exposures()).find((e) => e.type === 'relay')).toMatchObject({ state: 'starting', reason: 'disconnected' });
    // While it is down, nginx answers the agent's attempts with 502: wait for two of them.
    const deadline = Date.now() + 10_000;
    while (agentAttempts().length - before < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const downSince = Date.now();
    const from = events.lines.length;
    relay = (await startRelay()).child;
    await events.waitFor(
      (l) =>
        events.lines.indexOf(l) >= from &&
        l.event === 'exposure' &&
        (l.data as Exposure).type === 'relay' &&
        (l.data as Exposure).state === 'active',
      15_000,
    );
    const attempts = agentAttempts().slice(before);
    // 1 s doubling (±20 %): a handful of attempts in the seconds it was down, not one per probe.
    expect(attempts.length).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - downSince) / 1_000));
    expect(attempts.length).toBeLessThanOrEqual(8);
    const x = await waitExposure(['active']);
    expect(x.endpoint).toMatchObject({ url: PUBLIC, status: 'verified' });
    await events.close();
  });

  it('comes back with the daemon: SIGKILL leaves nothing connected, the next start restores the exposure', async () => {
    await daemon.kill9();
    expect(await phone('get')).toMatchObject({ status: 502, body: expect.stringContaining('app is not connected') });
    daemon = await startDaemon(t.agent, ['--backend', `app=${backendPort}`], { home, env });
    expect(await waitExposure(['active', 'failed'])).toMatchObject({ state: 'active', endpoint: { url: PUBLIC, status: 'verified' } });
    expect(await phone('get')).toMatchObject({ status: 200 });
  });

  it('lets a second agent take the name over: the older one is told, and stops cleanly', async () => {
    const second = await startDaemon(t.agent, ['--backend', `app=${backendPort}`], { home: tempHome(), env });
    try {
      await enable({ relayUrl: 'https://relay.test', tokenFile, name: 'app' }, second);
      expect(await waitExposure(['active', 'failed'], second)).toMatchObject({ state: 'active' });
      const older = await waitExposure(['failed']);
      expect(older).toMatchObject({ reason: 'relay-replaced', hint: expect.stringMatching(/another --name/) });
      expect(await phone('get')).toMatchObject({ status: 200 });
    } finally {
      await second.stop();
    }
  });

  it('fails a refused token once, with its reason and no retries', async () => {
    const bad = join(secrets, 'bad.token');
    writeFileSync(bad, 'not-the-relay-token-at-all\n', { mode: 0o600 });
    const before = agentAttempts().filter((l) => l.endsWith(' 401')).length;
    await enable({ relayUrl: 'https://relay.test', tokenFile: bad, name: 'app' });
    expect(await waitExposure(['failed'])).toMatchObject({ reason: 'relay-bad-token', hint: expect.stringMatching(/agent-token-file/) });
    // A permanent failure ends supervision: the first backoff (1 s) passes with no new attempt.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(agentAttempts().filter((l) => l.endsWith(' 401')).length - before).toBe(1);
  });
});
