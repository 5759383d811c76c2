import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClientReport, EndpointList, ReportAccepted } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, requestOne, startDaemon, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { createLanTopology, type LanTopology, nft } from './helpers/netns.js';
import { backendPool, ENDPOINTS_BIN, inNamespace, REPO_ROOT, type RunningBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason(['nft']);
const CLIENT_BUNDLE = join(REPO_ROOT, 'packages/client/dist/index.js');

// Verification runs on the host; the host's firewall drops one port for traffic from the client
// namespace only. The client device tries every advertised URL with the client package's helper
// and its report demotes the endpoint it could not reach (issue 11.9).
describe.skipIf(unavailable)('what client devices really reached (two hosts, nftables on the host)', () => {
  let t: LanTopology;
  let backend: RunningBackend;
  let forwarder: ResultPromise;
  let daemon: RunningDaemon;
  const pool = backendPool();
  const FORWARD_PORT = 18_080;

  beforeAll(async () => {
    t = await createLanTopology(tag('rep'));
    backend = await pool.start(t.host, ['--host', '0.0.0.0', '--id', 'reported']);
    // A second way in on another port (what a reverse proxy in front would be): a TCP forwarder.
    const [cmd, argv] = inNamespace(t.host, process.execPath, [
      '-e',
      `const net = require('node:net');
       net.createServer((c) => { const u = net.connect(${backend.port}, '127.0.0.1'); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
         .listen(${FORWARD_PORT}, '0.0.0.0', () => console.log('ready'));`,
    ]);
    forwarder = execa(cmd, argv, { reject: false, buffer: false });
    await new Promise<void>((resolve) => forwarder.stdout?.once('data', () => resolve()));
    const home = tempHome();
    const config = join(home, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ backends: [{ name: 'app', port: backend.port, customUrls: [{ url: `http://${t.hostV4}:${FORWARD_PORT}/` }] }] }),
    );
    daemon = await startDaemon(t.host, ['--config', config], { home });
    // Only traffic arriving on the LAN interface from the client host: the host's own probes pass.
    await nft(
      t.host,
      `table inet epdreports {\n  chain input {\n    type filter hook input priority 0;\n    iifname "eth0" ip saddr ${t.clientV4} tcp dport ${FORWARD_PORT} drop\n  }\n}\n`,
    );
  });
  afterAll(async () => {
    await daemon?.stop();
    forwarder?.kill('SIGTERM');
    await forwarder;
    await pool.stopAll();
    await t?.destroy();
  });

  it('the report demotes the endpoint the firewall blocks for the device, and doctor explains it', async () => {
    expect((await requestOne(daemon, { method: 'PUT', path: '/v1/backends/app/default', body: '{"type":"custom"}' })).status).toBe(200);
    const before = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json());
    const custom = before.endpoints.find((e) => e.type === 'custom');
    const lan = before.endpoints.find((e) => e.type === 'lan' && e.host === t.hostV4);
    expect(custom?.status).toBe('verified'); // from this machine, the blocked port works
    expect(before.default).toMatchObject({ type: 'custom', endpointId: custom?.id, fallback: false });

    // The device runs the client package's helper against what it was given.
    const script = `import { tryEndpoints } from ${JSON.stringify(CLIENT_BUNDLE)};
      const report = await tryEndpoints(JSON.parse(process.argv[1]), { clientId: 'phone-1', label: 'Phone', timeoutMs: 1500 });
      console.log(JSON.stringify(report));`;
    const [cmd, argv] = inNamespace(t.client, process.execPath, ['--input-type=module', '-e', script, JSON.stringify(before.endpoints)]);
    const report = JSON.parse((await execa(cmd, argv)).stdout) as ClientReport;
    expect(report.client).toEqual({ id: 'phone-1', label: 'Phone' });
    const resultOf = (id?: string) => report.results.find((r) => r.endpointId === id);
    expect(resultOf(lan?.id)).toMatchObject({ ok: true });
    expect(resultOf(custom?.id)).toMatchObject({ ok: false, failure: 'timeout' });
    // Loopback is not something another device can try.
    expect(report.results.some((r) => r.endpointId === before.endpoints.find((e) => e.type === 'loopback')?.id)).toBe(false);

    // The GUI's backend forwards it.
    const posted = await requestOne(daemon, { method: 'POST', path: '/v1/backends/app/reports', body: JSON.stringify(report) });
    expect(posted.status).toBe(202);
    expect(ReportAccepted.parse(posted.json())).toMatchObject({ ignored: [] });

    const after = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints' })).json());
    const demoted = after.endpoints.find((e) => e.id === custom?.id);
    expect(demoted).toMatchObject({
      status: 'verified',
      reports: { allFailed: true, failed: 1, clients: [{ label: 'Phone', failure: 'timeout' }] },
    });
    expect(after.endpoints.find((e) => e.id === lan?.id)?.reports).toMatchObject({ reached: 1, allFailed: false });
    expect(after.default).toMatchObject({ type: 'lan', requestedType: 'custom', fallback: true, endpointId: lan?.id });
    expect(after.default.why).toMatch(/custom endpoint is verified here, but 1 device that reported could not reach it/);

    const [dcmd, dargv] = inNamespace(t.host, process.execPath, [ENDPOINTS_BIN, 'doctor']);
    const doctor = await execa(dcmd, dargv, { reject: false, env: { ENDPOINTD_HOME: daemon.home, NO_COLOR: '1' } });
    expect(doctor.stdout).toMatch(
      new RegExp(
        `custom +http://${t.hostV4.replaceAll('.', '\\.')}:${FORWARD_PORT}/ verified — verified here, but 1 device could not reach it \\(Phone: timeout\\): a firewall or Wi-Fi client isolation may block it`,
      ),
    );
  });
});
