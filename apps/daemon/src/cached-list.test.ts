import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { createLanProvider } from '@endpointd/provider-lan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessDaemon, startHttpBackend, startInProcess, staticBackend } from './testing/in-process.js';

// The list GUIs poll is answered before fastify (cachedListAnswer): the same bytes, headers and
// refusals as the routed way, over a real socket (inject goes round the server, so it would
// never see this path).

const GUI = 'http://gui.example';
/** Route handlers fastify ran: the routed way runs one, the early answer none. */
let handled = 0;
const nothing = () => undefined;
const handlerStarts = {
  start: () => {
    handled++;
  },
  end: nothing,
  asyncStart: nothing,
  asyncEnd: nothing,
  error: nothing,
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let backend: Awaited<ReturnType<typeof startHttpBackend>>;
let d: InProcessDaemon;
let port = 0;

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method, headers: { authorization: `Bearer ${d.token}`, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A request and how many route handlers it ran. */
async function counted(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer & { routed: number }> {
  const before = handled;
  const answer = await get(path, headers, method);
  return { ...answer, routed: handled - before };
}

beforeAll(async () => {
  backend = await startHttpBackend('cached-list');
  d = await startInProcess({ backends: [staticBackend('app', backend.port)], providers: [createLanProvider()], allowedOrigins: [GUI] });
  port = Number(new URL(await d.listen()).port);
  diagnostics.tracingChannel('fastify.request.handler').subscribe(handlerStarts);
});
afterAll(async () => {
  diagnostics.tracingChannel('fastify.request.handler').unsubscribe(handlerStarts);
  await d.close();
  await backend.close();
});

describe('GET /v1/backends/:name/endpoints from the cache, before fastify', () => {
  it('is answered without a route, with the bytes and headers of the routed answer', async () => {
    expect((await counted('/v1/backends/app/endpoints')).routed).toBe(1); // nothing cached yet: routed, which fills it
    const early = await counted('/v1/backends/app/endpoints');
    const routed = await counted('/v1/backends/app/endpoints?refresh=false'); // a query: the routed way, from the same cache
    expect(early.routed).toBe(0);
    expect(routed.routed).toBe(1);
    expect(early.status).toBe(200);
    expect(early.body.equals(routed.body)).toBe(true);
    for (const h of ['etag', 'cache-control', 'content-type', 'content-length'])
      expect([h, early.headers[h]]).toEqual([h, routed.headers[h]]);
    expect((JSON.parse(early.body.toString()) as { backend: string }).backend).toBe('app');
    const notModified = await counted('/v1/backends/app/endpoints', { 'if-none-match': String(early.headers.etag) });
    expect([notModified.status, notModified.routed, notModified.body.length]).toEqual([304, 0, 0]);
    expect(notModified.headers.etag).toBe(early.headers.etag);
  });

  it("refuses what the guard refuses, in the guard's words", async () => {
    await get('/v1/backends/app/endpoints'); // cached
    const wrong = await get('/v1/backends/app/endpoints', { authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="endpointd"');
    expect(JSON.parse(wrong.body.toString())).toMatchObject({ code: 'ENDPOINTD_UNAUTHORIZED' });
    const missing = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/v1/backends/app/endpoints', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(missing).toBe(401);
    const rebound = await get('/v1/backends/app/endpoints', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body.toString())).toMatchObject({ code: 'ENDPOINTD_HOST_REJECTED' });
    const foreign = await get('/v1/backends/app/endpoints', { origin: 'http://evil.example' });
    expect(JSON.parse(foreign.body.toString())).toMatchObject({ code: 'ENDPOINTD_ORIGIN_REJECTED' });
  });

  it('leaves to the router what needs more than the cached bytes', async () => {
    await get('/v1/backends/app/endpoints');
    // An allowed browser origin needs CORS headers, which the routed way adds.
    const cors = await counted('/v1/backends/app/endpoints', { origin: GUI });
    expect([cors.status, cors.routed, cors.headers['access-control-allow-origin']]).toEqual([200, 1, GUI]);
    const head = await counted('/v1/backends/app/endpoints', {}, 'HEAD');
    expect([head.status, head.body.length]).toEqual([200, 0]);
    const encoded = await counted('/v1/backends/%61pp/endpoints'); // the router decodes it
    expect([encoded.status, encoded.routed]).toEqual([200, 1]);
    const unknown = await counted('/v1/backends/nope/endpoints');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({ code: 'ENDPOINTD_BACKEND_NOT_FOUND' });
    expect((await get('/v1/backends/app/endpoints/')).status).toBe(404);
  });

  it('is left to fastify once the server is closing, which answers 503', async () => {
    const own = await startInProcess({ backends: [staticBackend('app', backend.port)], providers: [createLanProvider()] });
    try {
      const ownPort = Number(new URL(await own.listen()).port);
      const head = `GET /v1/backends/app/endpoints HTTP/1.1\r\nHost: 127.0.0.1:${ownPort}\r\nAuthorization: Bearer ${own.token}\r\n`;
      const fill = await fetch(`http://127.0.0.1:${ownPort}/v1/backends/app/endpoints`, {
        headers: { authorization: `Bearer ${own.token}` },
      });
      expect(fill.status).toBe(200); // cached now
      // A request half sent when closing begins: its connection is not idle, so it stays open,
      // and the request arrives once closing has begun.
      const accepted = new Promise<net.Socket>((r) => own.app.server.once('connection', (s: net.Socket) => r(s)));
      const socket = net.connect(ownPort, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => {
        text += c;
      });
      const ended = new Promise<void>((r) => socket.on('close', () => r()));
      socket.write(head);
      // The server has read (and so parsed) the half request: its read count says so.
      const serverSide = await accepted;
      for (let i = 0; i < 1000 && serverSide.bytesRead < head.length; i++) await new Promise((r) => setImmediate(r));
      expect(serverSide.bytesRead).toBe(head.length);
      const closed = own.app.close();
      for (let i = 0; i < 1000 && own.app.server.listening; i++) await new Promise((r) => setImmediate(r));
      expect(own.app.server.listening).toBe(false);
      const answer = new Promise<void>((r) => socket.once('data', () => r()));
      socket.write('\r\n');
      await answer;
      expect(text).toMatch(/^HTTP\/1\.1 503 /);
      await closed;
      await ended;
    } finally {
      own.daemon.hub.close();
      await own.daemon.close();
    }
  });
});
