import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectTo } from './connect-to.js';
import { Backend } from './schema/backend.js';
import { probeUrl, verifyCandidates } from './verifier.js';

describe('probe URLs stay on the candidate (issue 9.4)', () => {
  it.each([
    ['http://10.0.0.1:3000/', '/health', 'http://10.0.0.1:3000/health'],
    ['https://proxy.example/app/', '/id?x=1', 'https://proxy.example/app/id?x=1'],
    ['http://10.0.0.1:3000/', '//evil.example/x', 'http://10.0.0.1:3000/evil.example/x'],
    ['http://10.0.0.1:3000/', '/http://evil.example/', 'http://10.0.0.1:3000/http://evil.example/'],
  ])('%s + %s → %s', (base, path, want) => {
    expect(probeUrl(base, path)?.href).toBe(want);
    expect(probeUrl(base, path)?.origin).toBe(new URL(base).origin);
  });
});

describe('an address that vanishes while its probe is in flight (issue 17)', () => {
  let backend: http.Server;
  let hanging: net.Server;
  let port = 0;
  beforeAll(async () => {
    backend = http.createServer((_req, res) => res.end('{"id":"v"}'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    port = (backend.address() as net.AddressInfo).port;
    // Accepts and never answers: what a dropped address looks like to a probe.
    hanging = net.createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(port, '127.0.0.3', r));
  });
  afterAll(async () => {
    backend.close();
    hanging.close();
  });

  it('is dropped at once, without waiting for its timeout or blaming a firewall', async () => {
    let gone = false;
    setTimeout(() => {
      gone = true;
    }, 300);
    const started = performance.now();
    const endpoints = await verifyCandidates(
      {
        backend: Backend.parse({ name: 'v', port }),
        scheme: 'http',
        listen: { listening: true, addresses: ['127.0.0.1', '127.0.0.3'] },
        probeTimeoutMs: 5_000,
        connectTo: parseConnectTo(''),
        localAddresses: () => new Set(gone ? ['127.0.0.1'] : ['127.0.0.1', '127.0.0.3']),
      },
      [
        { provider: 'lan', type: 'lan', url: `http://127.0.0.1:${port}/`, label: 'stays' },
        { provider: 'lan', type: 'lan', url: `http://127.0.0.3:${port}/`, label: 'vanishes' },
      ],
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(endpoints.map((e) => [e.label, e.status])).toEqual([['stays', 'verified']]);
  });
});

describe('hints name what really refused, on the port the URL uses (issue 11.2)', () => {
  let backend: http.Server;
  let port = 0;
  let closedPort = 0;
  beforeAll(async () => {
    backend = http.createServer((_req, res) => res.end('{"id":"h"}'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    port = (backend.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(() => {
    backend.close();
  });
  const verify = (urls: string[], connectTo = '') =>
    verifyCandidates(
      {
        backend: Backend.parse({ name: 'h', port }),
        scheme: 'http',
        listen: { listening: true, addresses: ['127.0.0.1'] },
        probeTimeoutMs: 2_000,
        connectTo: parseConnectTo(connectTo),
        localAddresses: () => new Set(['127.0.0.1']),
      },
      urls.map((url) => ({ provider: 'custom', type: 'custom' as const, url, label: url })),
    );

  it('an https name whose front refuses: the proxy on port 443 is named, not the backend bind', async () => {
    const [e] = await verify(['https://app.example.test/'], `app.example.test:443=127.0.0.1:${closedPort}`);
    expect(e?.verification.reason).toBe('proxy-refused');
    expect(e?.verification.hint).toContain('on port 443 in front of the backend');
  });
  it('a refusal on the backend port of this machine is explained by the bind', async () => {
    const [e] = await verify([`http://[::1]:${port}/`]);
    expect(e?.verification.reason).toBe('bound-to-other-loopback');
  });
  it('a stopped backend says it stopped listening, with its own port', async () => {
    const endpoints = await verifyCandidates(
      {
        backend: Backend.parse({ name: 'h', port: closedPort }),
        scheme: 'http',
        listen: { listening: false, addresses: [] },
        probeTimeoutMs: 2_000,
        connectTo: parseConnectTo(''),
      },
      [{ provider: 'lan', type: 'loopback', url: `http://127.0.0.1:${closedPort}/`, label: 'loop' }],
    );
    expect(endpoints[0]?.verification.reason).toBe('backend-not-listening');
    expect(endpoints[0]?.verification.hint).toMatch(
      new RegExp(`^Nothing is listening on port ${closedPort} on this machine \\(the backend stopped listening`),
    );
  });
});

describe('just-minted names go through public DNS first (issue 11.3)', () => {
  let backend: http.Server;
  let port = 0;
  beforeAll(async () => {
    backend = http.createServer((_req, res) => res.end('{"id":"q"}'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    port = (backend.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    backend.close();
  });
  const verifyQuick = (answer: { ok: true; address: string } | { ok: false; detail: string }, asked: string[]) =>
    verifyCandidates(
      {
        backend: Backend.parse({ name: 'q', port }),
        scheme: 'http',
        listen: { listening: true, addresses: ['127.0.0.1'] },
        probeTimeoutMs: 2_000,
        connectTo: parseConnectTo(''),
        publicDns: {
          servers: ['192.0.2.53'],
          lookup: async (name) => {
            asked.push(name);
            return answer;
          },
        },
      },
      [
        { provider: 'cloudflare', type: 'cloudflare-quick', url: `http://fresh-words.trycloudflare.test:${port}/`, label: 'quick' },
        { provider: 'lan', type: 'loopback', url: `http://127.0.0.1:${port}/`, label: 'loop' },
      ],
    );
  it('is "checking", with nothing sent, while the public resolvers do not know it', async () => {
    const asked: string[] = [];
    const [quick, loop] = await verifyQuick({ ok: false, detail: 'the public resolvers do not know the name yet' }, asked);
    expect(asked).toEqual(['fresh-words.trycloudflare.test']);
    expect(quick).toMatchObject({ status: 'checking', verification: { reason: 'dns-not-yet-public', address: null, httpStatus: null } });
    expect(loop?.status).toBe('verified');
  });
  it('is probed at the publicly resolved address, the name kept in Host', async () => {
    const [quick] = await verifyQuick({ ok: true, address: '127.0.0.1' }, []);
    expect(quick).toMatchObject({ status: 'verified', verification: { address: '127.0.0.1' } });
  });
});
