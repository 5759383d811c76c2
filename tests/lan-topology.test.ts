import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byUrl, listJson, tag } from './helpers/list.js';
import { addVirtualInterfaces, createLanTopology, ip, type LanTopology, nft } from './helpers/netns.js';
import { backendPool, inNamespace } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason(['nft']);

describe.skipIf(unavailable)('two hosts on a LAN (network namespaces)', () => {
  let t: LanTopology;
  const pool = backendPool();
  const start = (args: string[]) => pool.start(t.host, args);

  beforeAll(async () => {
    t = await createLanTopology(tag('lan'));
    await addVirtualInterfaces(t.host);
  });
  afterAll(async () => {
    await pool.stopAll();
    await t?.destroy();
  });

  it('verifies a backend bound to 0.0.0.0 on its LAN address, which a client on the LAN really reaches', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'wild']);
    const list = await listJson(t.host, b.port);
    const lan = byUrl(list, `http://${t.hostV4}:${b.port}/`);
    expect(lan).toMatchObject({
      type: 'lan',
      status: 'verified',
      interface: 'eth0',
      hasDefaultRoute: true,
      scope: 'local-network',
      family: 'ipv4',
      isDefault: true,
    });
    expect(lan.verification).toMatchObject({
      identity: 'fingerprint',
      identityStrength: 'strong',
      from: 'this-host',
      httpStatus: 200,
      address: t.hostV4,
    });
    expect(lan.browser).toEqual({
      mixedContentSafe: false,
      secureContext: false,
      chromium: 'prompt',
      firefox: 'blocked',
      safari: 'blocked',
    });
    expect(lan.stability).toBe('address-dependent');
    expect(byUrl(list, `http://127.0.0.1:${b.port}/`)).toMatchObject({
      type: 'loopback',
      status: 'verified',
      scope: 'this-machine',
      isDefault: false,
    });
    expect(list.default).toMatchObject({ type: 'lan', endpointId: lan.id, fallback: false });
    // The advertised URL works from the other host.
    const [cmd, args] = inNamespace(t.client, process.execPath, [
      '-e',
      `fetch(${JSON.stringify(lan.url)}).then(r => console.log(r.status, r.headers.get('x-backend-id')))`,
    ]);
    expect((await execa(cmd, args)).stdout).toBe('200 wild');
  });

  it('explains that a backend bound to 127.0.0.1 cannot be reached on the LAN', async () => {
    const b = await start(['--host', '127.0.0.1', '--id', 'local']);
    const list = await listJson(t.host, b.port);
    const lan = byUrl(list, `http://${t.hostV4}:${b.port}/`);
    expect(lan.status).toBe('unreachable');
    expect(lan.verification.reason).toBe('bound-to-loopback');
    expect(lan.verification.hint).toMatch(/listens on 127\.0\.0\.1 only.*bound to 0\.0\.0\.0/);
    expect(list.listen).toEqual({ listening: true, addresses: ['127.0.0.1'] });
    expect(list.default).toMatchObject({ type: null, endpointId: null });
    // Issue 11.2: the IPv6 rows advise ::, which serves both families (0.0.0.0 would not help them).
    const v6 = byUrl(list, `http://[${t.hostV6}]:${b.port}/`);
    expect(v6.verification.reason).toBe('bound-to-loopback');
    expect(v6.verification.hint).toMatch(/bound to :: \(all interfaces\), e\.g\. HOST=::\./);
    expect(byUrl(list, `http://127.0.0.1:${b.port}/`).browser.secureContext).toBe(true);
  });

  it('gives a backend on ::1 only the right advice on the 127.0.0.1 row (issue 11.2)', async () => {
    const b = await start(['--host', '::1', '--id', 'v6loop']);
    const list = await listJson(t.host, b.port);
    expect(byUrl(list, `http://[::1]:${b.port}/`).status).toBe('verified');
    const v4loop = byUrl(list, `http://127.0.0.1:${b.port}/`);
    expect(v4loop).toMatchObject({ status: 'unreachable', verification: { reason: 'bound-to-other-loopback' } });
    expect(v4loop.verification.hint).toMatch(/listens on ::1 only, not on 127\.0\.0\.1: open it at the ::1 URL instead, or bind it to ::/);
    expect(byUrl(list, `http://${t.hostV4}:${b.port}/`).verification.reason).toBe('bound-to-loopback');
  });

  it('blames the proxy in front, not the backend, when a URL on another port refuses (issue 11.2)', async () => {
    const b = await start(['--host', '127.0.0.1', '--id', 'behind']);
    const free = await start(['--host', '127.0.0.1', '--id', 'gone']);
    await free.stop(); // a port that certainly refuses now
    const list = await listJson(t.host, b.port, ['--custom', `http://${t.hostV4}:${free.port}/`]);
    const proxy = byUrl(list, `http://${t.hostV4}:${free.port}/`);
    expect(proxy.verification.reason).toBe('proxy-refused');
    expect(proxy.verification.hint).toMatch(
      new RegExp(`refused the connection: the proxy, tunnel or forward that should answer on port ${free.port}`),
    );
    expect(proxy.verification.hint).not.toMatch(/bound|0\.0\.0\.0/);
  });

  it('lists an IPv6 ULA address bracketed and verifies it for a backend on ::', async () => {
    const b = await start(['--host', '::', '--id', 'six']);
    const list = await listJson(t.host, b.port);
    const v6 = byUrl(list, `http://[${t.hostV6}]:${b.port}/`);
    expect(v6).toMatchObject({ status: 'verified', family: 'ipv6', host: t.hostV6, wsUrl: `ws://[${t.hostV6}]:${b.port}/` });
    expect(byUrl(list, `http://[::1]:${b.port}/`).status).toBe('verified');
    // IPv4 before IPv6 on the same interface.
    expect(list.default.endpointId).toBe(byUrl(list, `http://${t.hostV4}:${b.port}/`).id);
  });

  it('says the backend is IPv4-only when it listens on 0.0.0.0 and a client tries IPv6', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'four']);
    const v6 = byUrl(await listJson(t.host, b.port), `http://[${t.hostV6}]:${b.port}/`);
    expect(v6.verification.reason).toBe('bound-to-ipv4-only');
  });

  it('reports wrong-backend when another server answers on the LAN address and the same port', async () => {
    const mine = await start(['--host', '127.0.0.1', '--id', 'mine']);
    await start(['--host', t.hostV4, '--port', String(mine.port), '--id', 'intruder']);
    const list = await listJson(t.host, mine.port);
    const lan = byUrl(list, `http://${t.hostV4}:${mine.port}/`);
    expect(lan).toMatchObject({ status: 'wrong-backend', verification: { reason: 'identity-mismatch', httpStatus: 200 } });
    expect(lan.verification.hint).toMatch(/Another server answers/);
    expect(byUrl(list, `http://127.0.0.1:${mine.port}/`).status).toBe('verified');
  });

  it('marks a dropped address unreachable within the probe timeout without delaying the others', async () => {
    const dropped = `${t.hostV4.split('.').slice(0, 3).join('.')}.9`;
    try {
      await ip('-n', t.host, 'addr', 'add', `${dropped}/24`, 'dev', 'eth0');
      await nft(
        t.host,
        `table inet epdtest {\n  chain input {\n    type filter hook input priority 0;\n    ip daddr ${dropped} tcp dport 1-65535 drop\n  }\n}\n`,
      );
      const b = await start(['--host', '0.0.0.0', '--id', 'drop']);
      const timeoutMs = 1_000;
      const started = performance.now();
      const list = await listJson(t.host, b.port, ['--timeout', String(timeoutMs)]);
      const elapsed = performance.now() - started;
      const dead = byUrl(list, `http://${dropped}:${b.port}/`);
      expect(dead).toMatchObject({ status: 'unreachable', verification: { reason: 'timed-out', latencyMs: null } });
      expect(dead.verification.hint).toMatch(/within 1000 ms/);
      const alive = byUrl(list, `http://${t.hostV4}:${b.port}/`);
      expect(alive.status).toBe('verified');
      expect(alive.verification.latencyMs).toBeLessThan(timeoutMs / 2);
      // The whole command: process start-up plus one probe timeout, not one timeout per candidate.
      expect(elapsed).toBeLessThan(timeoutMs + 3_000);
    } finally {
      await execa('ip', ['netns', 'exec', t.host, 'nft', 'delete', 'table', 'inet', 'epdtest'], { reject: false });
      await execa('ip', ['-n', t.host, 'addr', 'del', `${dropped}/24`, 'dev', 'eth0'], { reject: false });
    }
  });

  it('leaves container bridges, Tailscale and link-local addresses out of lan, saying why', async () => {
    const b = await start(['--host', '::', '--id', 'virt']);
    const list = await listJson(t.host, b.port);
    const lanHosts = list.endpoints.filter((e) => e.type === 'lan').map((e) => e.host);
    expect(lanHosts.sort()).toEqual([t.hostV4, t.hostV6].sort());
    const excluded = Object.fromEntries(list.excluded.map((x) => [x.address, x]));
    expect(excluded['172.17.0.1']).toMatchObject({ interface: 'docker0', kind: 'container-bridge' });
    expect(excluded['100.101.102.103']).toMatchObject({ interface: 'tailscale0', kind: 'tailscale' });
    expect(excluded['fd7a:115c:a1e0::1234']).toMatchObject({ interface: 'tailscale0', kind: 'tailscale' });
    expect(excluded[t.hostLinkLocal]).toMatchObject({ interface: 'eth0', kind: 'link-local' });
  });

  it('says clearly when nothing listens on the port', async () => {
    const list = await listJson(t.host, 9);
    expect(list.notice).toMatchObject({ reason: 'backend-not-listening' });
    expect(list.listen).toEqual({ listening: false, addresses: [] });
    expect(list.endpoints.every((e) => e.status === 'unreachable' && e.verification.reason === 'backend-not-listening')).toBe(true);
  });
});
