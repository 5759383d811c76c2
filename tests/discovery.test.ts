import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendInfo, type DiscoveredService, EndpointList } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, requestOne, startDaemon, subscribe, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { ENDPOINTS_BIN, inNamespace, REPO_ROOT, startUntil } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason(['setpriv']);
/** A service shows (or goes) within this of starting (or stopping). */
const DISCOVERY_BOUND_MS = 1_500;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];

interface Started {
  port: number;
  readyAt: number;
  child: ResultPromise;
}

/** Starts a server in the namespace and waits for the port it prints (`ready N`, or Vite's banner). */
async function startServer(ns: string, argv: string[], pattern: RegExp, options: { cwd?: string } = {}): Promise<Started> {
  const { child, match } = await startUntil(ns, argv, pattern, options);
  return { port: Number(match[1]), readyAt: Date.now(), child };
}

const servicesOf = (data: unknown) => (data as { services: DiscoveredService[] }).services;

describe.skipIf(unavailable)('discovering backends (issue 14)', () => {
  let ns: string;
  let daemon: RunningDaemon;
  let events: ReturnType<typeof subscribe>;
  const started: Started[] = [];

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('disc')}`);
    daemon = await startDaemon(ns, []);
    events = subscribe(daemon);
    await events.waitFor((l) => l.status === 200, 5_000);
  });
  afterAll(async () => {
    await events?.close();
    await daemon?.stop();
    for (const s of started) {
      s.child.kill();
      await s.child;
    }
    await deleteNamespace(ns);
  });

  const waitForService = async (predicate: (s: DiscoveredService) => boolean, since: number) => {
    const line = await events.waitFor((l) => l.event === 'discovered' && (l.at ?? 0) >= since && servicesOf(l.data).some(predicate), 5_000);
    return { line, service: servicesOf(line.data).find(predicate) as DiscoveredService };
  };

  it('finds a plain HTTP server, a T3 Code server and a real Vite dev server, labelled with their bind addresses, within 1.5 s', async () => {
    const since = Date.now();
    const plain = await startServer(
      ns,
      [process.execPath, `${REPO_ROOT}tests/fixtures/backend.mjs`, '--host', '0.0.0.0', '--id', 'plain'],
      /ready (\d+)/,
    );
    const t3 = await startServer(
      ns,
      [process.execPath, `${REPO_ROOT}tests/fixtures/t3code.mjs`, '--host', '127.0.0.1', '--id', 'env_disc'],
      /ready (\d+)/,
    );
    const root = mkdtempSync(join(tmpdir(), 'endpointd-vite-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>vite app</title><div id="app"></div>');
    const vite = await startServer(
      ns,
      [process.execPath, `${REPO_ROOT}node_modules/vite/bin/vite.js`, '--host', '127.0.0.1', '--port', '5199', '--strictPort'],
      /Local:\s+http:\/\/127\.0\.0\.1:(\d+)/,
      { cwd: root },
    );
    started.push(plain, t3, vite);
    for (const [s, id, addresses, bind] of [
      [plain, 'http', ['0.0.0.0'], 'all-interfaces'],
      [t3, 't3code', ['127.0.0.1'], 'loopback-only'],
      [vite, 'vite', ['127.0.0.1'], 'loopback-only'],
    ] as const) {
      const { line, service } = await waitForService((x) => x.port === s.port && x.app.id === id, since);
      expect(service).toMatchObject({ addresses, bind, pid: expect.any(Number), command: 'node' });
      expect((line.at ?? 0) - s.readyAt).toBeLessThan(DISCOVERY_BOUND_MS);
    }
    const listed = (await requestOne(daemon, { path: '/v1/discovered' })).json<{ services: DiscoveredService[] }>().services;
    expect(listed.find((s) => s.port === t3.port)?.identity).toEqual({
      kind: 'json-field',
      path: '/.well-known/t3/environment',
      field: 'environmentId',
    });
    // The daemon itself is not a discovered service.
    expect(listed.some((s) => daemon.url.endsWith(`:${s.port}`))).toBe(false);
  });

  it('drops a service within 1.5 s of it stopping', async () => {
    const plain = started[0] as Started;
    const at = Date.now();
    plain.child.kill('SIGTERM');
    await plain.child;
    const line = await events.waitFor(
      (l) => l.event === 'discovered' && (l.at ?? 0) >= at && !servicesOf(l.data).some((s) => s.port === plain.port),
      5_000,
    );
    expect((line.at ?? 0) - at).toBeLessThan(DISCOVERY_BOUND_MS);
  });

  it('adopts the T3 Code server in one call, with its json-field identity, and its endpoints verify', async () => {
    const t3 = started[1] as Started;
    const res = await requestOne(daemon, { method: 'POST', path: '/v1/discovered/adopt', body: JSON.stringify({ port: t3.port }) });
    expect(res.status).toBe(201);
    const added = BackendInfo.parse(res.json());
    expect(added).toMatchObject({ name: `t3code-${t3.port}`, port: t3.port, identity: { kind: 'json-field', field: 'environmentId' } });
    const list = EndpointList.parse((await requestOne(daemon, { path: `/v1/backends/${added.name}/endpoints?refresh=true` })).json());
    expect(list.endpoints.find((e) => e.type === 'loopback')).toMatchObject({
      status: 'verified',
      verification: { identity: 'json-field', identityStrength: 'strong' },
    });
    const again = await requestOne(daemon, { path: '/v1/discovered' });
    expect(again.json<{ services: DiscoveredService[] }>().services.find((s) => s.port === t3.port)?.backend).toBe(added.name);
  });

  it('adopts from the CLI by port, and refuses a port nothing listens on', async () => {
    const vite = started[2] as Started;
    const env = { ENDPOINTD_HOME: daemon.home };
    const [cmd, argv] = inNamespace(ns, process.execPath, [
      ENDPOINTS_BIN,
      'backends',
      'add',
      'web',
      '--from-discovered',
      String(vite.port),
    ]);
    const ok = await execa(cmd, argv, { reject: false, env });
    expect(ok.stdout).toMatch(/Added backend "web" on port \d+ \(Vite dev server, identity fingerprint\)/);
    const [cmd2, argv2] = inNamespace(ns, process.execPath, [ENDPOINTS_BIN, 'backends', 'add', '--from-discovered', '1']);
    const bad = await execa(cmd2, argv2, { reject: false, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/nothing discovered on port or pid 1/);
  });

  it('shows another user’s process no further than the OS does', async () => {
    // nobody cannot read a checkout that lives in a private folder (mktemp -d is 0700): it runs
    // copies of the CLI bundle and the fixture from a folder it may read.
    const readable = mkdtempSync(join(tmpdir(), 'endpointd-nobody-'));
    chmodSync(readable, 0o755);
    cpSync(`${REPO_ROOT}apps/daemon/dist`, join(readable, 'dist'), { recursive: true });
    cpSync(`${REPO_ROOT}tests/fixtures/backend.mjs`, join(readable, 'backend.mjs'));
    // As nobody: the root-owned T3 server's socket is visible, its process is not; nobody's own server is.
    const own = await startServer(
      ns,
      [...NOBODY, process.execPath, join(readable, 'backend.mjs'), '--host', '127.0.0.1', '--id', 'nobodys'],
      /ready (\d+)/,
    );
    started.push(own);
    const cli = join(readable, 'dist', 'endpoints.js');
    const [cmd, argv] = inNamespace(ns, NOBODY[0] as string, [...NOBODY.slice(1), process.execPath, cli, 'discover', '--json']);
    const r = await execa(cmd, argv, { reject: false, env: { ENDPOINTD_HOME: tempHome() } });
    expect(r.exitCode).toBe(0);
    const services = JSON.parse(r.stdout) as DiscoveredService[];
    const t3 = started[1] as Started;
    expect(services.find((s) => s.port === t3.port)).toMatchObject({
      pid: null,
      command: null,
      commandLine: null,
      cwd: null,
      app: { id: 't3code' },
    });
    expect(services.find((s) => s.port === own.port)).toMatchObject({ pid: expect.any(Number), command: 'node' });
  });

  it('`endpoints list` with neither --port nor a backend lists what listens and exits 2 with the command to run', async () => {
    const [cmd, argv] = inNamespace(ns, process.execPath, [ENDPOINTS_BIN, 'list']);
    const r = await execa(cmd, argv, { reject: false, env: { ENDPOINTD_HOME: tempHome(), ENDPOINTD_URL: 'http://127.0.0.1:9' } });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/Which backend\? These listen here:/);
    expect(r.stdout).toMatch(/T3 Code/);
    expect(r.stderr).toMatch(/choose one: endpoints list --port \d+/);
  });
});
