import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { connectAgent, RelayRefusedError } from '@endpointd/provider-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Relay, startRelay } from './relay.js';

// The relay and the agent in one process, over loopback: the protocol and the forwarding rules.
// tests/relay.test.ts runs the real binaries across namespaces, behind nginx with TLS.
const TOKEN = 'a-test-token-of-enough-length';

function startBackend(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/headers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(req.headers));
    }
    if (req.url === '/hash') {
      const h = createHash('sha256');
      req.on('data', (c) => h.update(c));
      req.on('end', () => res.end(h.digest('hex')));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello ${req.url}`);
  });
  server.on('upgrade', (req, socket) => {
    // Just enough WebSocket for the test: the handshake, then the raw bytes echoed back.
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.pipe(socket);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const portOf = (s: http.Server) => (s.address() as net.AddressInfo).port;

function get(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('endpointd-relay with an agent, in process', () => {
  let backend: http.Server;
  let relay: Relay;
  const controller = new AbortController();

  beforeAll(async () => {
    backend = await startBackend();
    relay = await startRelay({ host: '127.0.0.1', port: 0, agentTokens: [TOKEN], mode: { baseDomain: 'relay.test' } });
  });
  afterAll(async () => {
    controller.abort();
    await relay.close();
    backend.close();
  });

  const agent = (name: string, token = TOKEN, signal = controller.signal) =>
    connectAgent({ relayUrl: `http://127.0.0.1:${relay.port}`, token, name, backendPort: portOf(backend), signal, timeoutMs: 5_000 });

  it('answers 502 naming the backend while no agent is connected', async () => {
    const r = await get(relay.port, '/', 'app.relay.test');
    expect(r.status).toBe(502);
    expect(r.body).toContain('app is not connected');
  });

  it('forwards requests by host name, with its own X-Forwarded-* and none of the client’s', async () => {
    const c = await agent('app');
    expect(c.publicUrl).toBe(`http://app.relay.test:${relay.port}/`);
    expect(await get(relay.port, '/x?y=1', `app.relay.test:${relay.port}`)).toEqual({ status: 200, body: 'hello /x?y=1' });
    const h = JSON.parse(
      (
        await get(relay.port, '/headers', 'app.relay.test', {
          'x-forwarded-for': '6.6.6.6',
          'x-forwarded-host': 'evil.example',
          'x-real-ip': '6.6.6.6',
        })
      ).body,
    ) as Record<string, string>;
    expect(h).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.relay.test',
      host: 'app.relay.test',
    });
    expect(h['x-real-ip']).toBeUndefined();
    expect((await get(relay.port, '/', 'other.relay.test')).status).toBe(502);
    expect((await get(relay.port, '/', 'elsewhere.example')).status).toBe(404);
    expect(relay.agents().map((a) => a.name)).toEqual(['app']);
    c.close();
  });

  it('streams a large upload and a WebSocket', async () => {
    const c = await agent('up');
    const body = randomBytes(3 << 20);
    const hash = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: relay.port, method: 'POST', path: '/hash', headers: { host: 'up.relay.test' } },
        (res) => {
          let t = '';
          res.on('data', (d) => {
            t += d;
          });
          res.on('end', () => resolve(t));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(hash).toBe(createHash('sha256').update(body).digest('hex'));
    const echoed = await new Promise<string>((resolve, reject) => {
      const s = net.connect(relay.port, '127.0.0.1', () => {
        s.write(
          'GET /ws HTTP/1.1\r\nHost: up.relay.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n') && !got.includes('ping-through')) s.write('ping-through');
        if (got.endsWith('ping-through')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    expect(echoed).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    c.close();
  });

  it('refuses a bad token and a bad name, and lets a newer agent take a name over', async () => {
    await expect(agent('app', 'wrong-token-wrong-token')).rejects.toMatchObject({ status: 401, refusal: { code: 'bad-token' } });
    await expect(agent('Not_A_Label')).rejects.toBeInstanceOf(RelayRefusedError);
    const older = await agent('same');
    const newer = await agent('same');
    expect(await older.closed).toBe('replaced');
    expect((await get(relay.port, '/n', 'same.relay.test')).body).toBe('hello /n');
    newer.close();
    expect(await newer.closed).toBe('dropped');
  });

  it('keeps the agent connected through 2 000 requests on reused connections (no RST_STREAM per response)', async () => {
    const c = await agent('busy');
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 10 });
    const one = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: relay.port, path: '/', headers: { host: 'busy.relay.test' }, agent: keepAlive }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    const statuses = new Set<number>();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 200; i++) statuses.add(await one());
      }),
    );
    keepAlive.destroy();
    expect([...statuses]).toEqual([200]);
    expect(relay.agents().some((a) => a.name === 'busy')).toBe(true);
    c.close();
  });

  it('serves its status only with an agent token', async () => {
    expect((await get(relay.port, '/_endpointd/status', 'x')).status).toBe(401);
    const s = await get(relay.port, '/_endpointd/status', 'x', { authorization: `Bearer ${TOKEN}` });
    expect(s.status).toBe(200);
    expect(JSON.parse(s.body)).toMatchObject({ agents: expect.any(Array), attempts: expect.any(Number) });
  });
});

describe('endpointd-relay serving one backend, behind a password', () => {
  it('serves the single name on every host, asks the public for the password, and refuses an agent for another name', async () => {
    const backend = await startBackend();
    const relay = await startRelay({ host: '127.0.0.1', port: 0, agentTokens: [TOKEN], mode: { single: 'dash' }, password: 'open sesame' });
    const controller = new AbortController();
    try {
      const connect = (name: string) =>
        connectAgent({
          relayUrl: `http://127.0.0.1:${relay.port}`,
          token: TOKEN,
          name,
          backendPort: portOf(backend),
          signal: controller.signal,
          timeoutMs: 5_000,
        });
      await expect(connect('other')).rejects.toMatchObject({ status: 403, refusal: { code: 'name-not-served' } });
      const c = await connect('dash');
      expect(c.publicUrl).toBe(`http://127.0.0.1:${relay.port}/`);
      const denied = await get(relay.port, '/x', 'anything.example');
      expect(denied.status).toBe(401);
      const wrong = await get(relay.port, '/x', 'anything.example', { authorization: `Basic ${Buffer.from('u:nope').toString('base64')}` });
      expect(wrong.status).toBe(401);
      const ok = await get(relay.port, '/x', 'anything.example', {
        authorization: `Basic ${Buffer.from('me:open sesame').toString('base64')}`,
      });
      expect(ok).toEqual({ status: 200, body: 'hello /x' });
      c.close();
    } finally {
      controller.abort();
      await relay.close();
      backend.close();
    }
  });
});
