import { type Endpoint, EndpointList, Exposure } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningDaemon, requestOne, startDaemon, subscribe, tempHome, waitForExposure } from './helpers/daemon.js';
import { FAKES_DIR } from './helpers/fake-tailscale.js';
import { tag } from './helpers/list.js';
import { createLanTopology, type LanTopology } from './helpers/netns.js';
import { backendPool, inNamespace, type RunningBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createSshKit, dropConnections, type RunningSshd, SSHD_BIN, type SshKit, startSshd } from './helpers/sshd.js';

const unavailable = netnsUnavailableReason(['ssh', 'ssh-keygen', SSHD_BIN]);
const _Exposures = z.object({ exposures: z.array(Exposure) });

describe.skipIf(unavailable)('SSH provider against a real OpenSSH server', () => {
  let t: LanTopology;
  let kit: SshKit;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  let hostSshd: RunningSshd | null = null;
  let vpsSshd: RunningSshd | null = null;
  const pool = backendPool();
  const home = tempHome();

  const start = async (sshdConfig: string) =>
    await startDaemon(t.host, ['--backend', `app=${backend.port}`], {
      home,
      env: {
        ENDPOINTD_SSHD_BIN: SSHD_BIN,
        ENDPOINTD_SSHD_CONFIG: sshdConfig,
        ENDPOINTD_SSH_BIN: `${FAKES_DIR}/ssh-test-config`,
        ENDPOINTD_TEST_SSH_DIR: kit.dir,
      },
    });
  const list = async () => EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json());
  const localForward = async () => (await list()).endpoints.find((e) => e.type === 'ssh-local-forward') as Endpoint;
  const enable = async (options: unknown) =>
    await requestOne(daemon, {
      method: 'POST',
      path: '/v1/backends/app/exposures',
      body: JSON.stringify({ type: 'ssh-reverse', options }),
    });
  const disable = async () => await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/app/exposures/ssh-reverse' });
  const waitExposure = (ok: (x: Exposure) => boolean, timeoutMs = 20_000) => waitForExposure(daemon, 'app', 'ssh-reverse', ok, timeoutMs);
  const sshProcesses = async () =>
    (await execa('ps', ['-eo', 'args'])).stdout.split('\n').filter((l) => l.includes(`127.0.0.1:${backend.port}`) && l.includes(' -R '));

  beforeAll(async () => {
    t = await createLanTopology(tag('ssh'));
    kit = await createSshKit();
    kit.useConfig(kit.clientConfig('daemon', kit.clientKey, [t.clientV4, t.hostV4]));
    backend = await pool.start(t.host, ['--host', '127.0.0.1', '--id', 'ssh-app']);
    hostSshd = await startSshd(t.host, kit, { listen: '0.0.0.0', gatewayPorts: 'no', allowTcpForwarding: 'yes', name: 'host' });
    daemon = await start(hostSshd.configFile);
  });
  afterAll(async () => {
    await daemon?.stop();
    await hostSshd?.stop();
    await vpsSshd?.stop();
    await pool.stopAll();
    await t?.destroy();
  });

  it('advertises a verified local-forward recipe, and the command really works from the client', async () => {
    const e = await localForward();
    expect(e).toMatchObject({ status: 'verified', scope: 'client-loopback', url: `http://127.0.0.1:${backend.port}/` });
    expect(e.browser).toEqual({ mixedContentSafe: false, secureContext: true, chromium: 'prompt', firefox: 'ok', safari: 'blocked' });
    expect(e.connect?.command).toBe(`ssh -N -L ${backend.port}:127.0.0.1:${backend.port} root@${t.hostV4}`);
    // Run the advertised command on the other device (with the test's keys), then use the URL there.
    const [ssh, ...rest] = (e.connect?.command ?? '').split(' ');
    const clientConfig = kit.clientConfig('client', kit.clientKey, [t.hostV4]);
    const [cmd, argv] = inNamespace(t.client, ssh ?? 'ssh', ['-F', clientConfig, '-o', 'ExitOnForwardFailure=yes', ...rest]);
    const forward = execa(cmd, argv, { reject: false });
    try {
      const [c, a] = inNamespace(t.client, process.execPath, [
        '-e',
        `const go = (n) => fetch(${JSON.stringify(e.url)}).then(r => console.log(r.status, r.headers.get('x-backend-id')), () => n > 0 ? setTimeout(() => go(n - 1), 100) : console.log('no answer'));go(50)`,
      ]);
      expect((await execa(c, a)).stdout).toBe('200 ssh-app');
    } finally {
      forward.kill('SIGTERM');
      await forward;
    }
  });

  it('explains a stopped sshd and disabled forwarding', async () => {
    await hostSshd?.stop();
    expect((await localForward()).verification).toMatchObject({ reason: 'sshd-not-running' });
    expect((await localForward()).status).toBe('unreachable');
    hostSshd = await startSshd(t.host, kit, { listen: '0.0.0.0', gatewayPorts: 'no', allowTcpForwarding: 'no', name: 'host-nofwd' });
    await daemon.stop();
    daemon = await start(hostSshd.configFile);
    const e = await localForward();
    expect(e).toMatchObject({ status: 'unreachable', verification: { reason: 'ssh-forwarding-disabled' } });
    expect(e.verification.hint).toMatch(/AllowTcpForwarding no.*AllowTcpForwarding yes/);
  });

  it('sets up a reverse forward to a server with GatewayPorts yes, verified on its address', async () => {
    vpsSshd = await startSshd(t.client, kit, { listen: t.clientV4, gatewayPorts: 'yes', allowTcpForwarding: 'yes', name: 'vps' });
    expect((await enable({ host: `root@${t.clientV4}`, remotePort: 18080 })).status).toBe(202);
    const x = await waitExposure((e) => e.state === 'active' || e.state === 'failed');
    expect(x).toMatchObject({
      state: 'active',
      endpoint: {
        type: 'ssh-reverse',
        url: `http://${t.clientV4}:18080/`,
        status: 'verified',
        verification: { identityStrength: 'strong' },
      },
    });
    expect(await sshProcesses()).toHaveLength(1);
  });

  it('reconnects after the connection is killed, announcing unreachable then verified again', async () => {
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    if (!vpsSshd) throw new Error('no vps sshd');
    await dropConnections(vpsSshd);
    await events.waitFor(
      (l) =>
        l.event === 'endpoints' && (l.data as EndpointList).endpoints.some((e) => e.type === 'ssh-reverse' && e.status === 'unreachable'),
      10_000,
    );
    await events.waitFor(
      (l) => l.event === 'exposure' && (l.data as Exposure).state === 'active' && (l.data as Exposure).endpoint?.status === 'verified',
      20_000,
    );
    await events.close();
  });

  it('leaves no ssh -R behind when the daemon is SIGKILLed, and the next start runs exactly one (issue 9.3)', async () => {
    expect(await sshProcesses()).toHaveLength(1);
    await daemon.kill9();
    await expect.poll(async () => (await sshProcesses()).length, { timeout: 5_000 }).toBe(0);
    if (!hostSshd) throw new Error('no host sshd');
    daemon = await start(hostSshd.configFile);
    await waitExposure((e) => e.state === 'active');
    expect(await sshProcesses()).toHaveLength(1);
  });

  it('disable stops the ssh process', async () => {
    expect((await disable()).json()).toMatchObject({ state: 'stopped' });
    expect(await sshProcesses()).toEqual([]);
  });

  it('reports a remote port already in use', async () => {
    const [cmd, argv] = inNamespace(t.client, process.execPath, [
      '-e',
      "require('node:net').createServer().listen(18081, '::', () => console.log('up'))",
    ]);
    const occupier = execa(cmd, argv, { reject: false, buffer: false });
    await new Promise<void>((r) => occupier.stdout?.once('data', () => r()));
    try {
      await enable({ host: `root@${t.clientV4}`, remotePort: 18081 });
      expect(await waitExposure((e) => e.state === 'failed')).toMatchObject({ reason: 'remote-forward-failed' });
      await disable();
    } finally {
      occupier.kill();
      await occupier;
    }
  });

  it('reports a key the server does not accept as an auth failure', async () => {
    kit.useConfig(kit.clientConfig('stranger', kit.strangerKey, [t.clientV4]));
    try {
      await enable({ host: `root@${t.clientV4}`, remotePort: 18082 });
      const x = await waitExposure((e) => e.state === 'failed');
      expect(x).toMatchObject({ reason: 'auth-failed' });
      expect(x.hint).toMatch(/authorized_keys/);
      await disable();
    } finally {
      kit.useConfig(kit.clientConfig('daemon', kit.clientKey, [t.clientV4, t.hostV4]));
    }
  });

  it('reports a server with GatewayPorts no: the forward only listens on its loopback', async () => {
    await vpsSshd?.stop();
    vpsSshd = await startSshd(t.client, kit, { listen: t.clientV4, gatewayPorts: 'no', allowTcpForwarding: 'yes', name: 'vps-nogw' });
    await enable({ host: `root@${t.clientV4}`, remotePort: 18083 });
    const x = await waitExposure((e) => e.state === 'failed');
    expect(x).toMatchObject({ reason: 'remote-bound-to-loopback' });
    expect(x.hint).toMatch(/GatewayPorts yes/);
    await disable();
  });

  it('shows the ssh client and the sshd state in /v1/providers', async () => {
    const res = await requestOne(daemon, { path: '/v1/providers' });
    const ssh = (res.json() as { providers: Array<{ id: string; available: boolean; version: string; hint: string }> }).providers.find(
      (p) => p.id === 'ssh',
    );
    expect(ssh).toMatchObject({ available: true, version: expect.stringMatching(/^OpenSSH_\d/) });
    expect(ssh?.hint).toMatch(/sshd listens on 0\.0\.0\.0, AllowTcpForwarding no/);
  });

  it('rejects a host that would be read as an ssh option', async () => {
    const r = await enable({ host: '-oProxyCommand=touch /tmp/pwned' });
    expect(r.status).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/looks like an ssh option/);
    const r2 = await enable({ host: 'root@host name; rm -rf /' });
    expect(r2.status).toBe(400);
  });
});
