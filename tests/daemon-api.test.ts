import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, BackendInfo, EndpointList, Health } from '@endpointd/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, request, requestOne, startDaemon } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();
const ALLOWED_ORIGIN = 'https://gui.example';

describe.skipIf(unavailable)('the daemon API over real HTTP', () => {
  let ns: string;
  let daemon: RunningDaemon;
  let backend: RunningBackend;

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('api')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'api']);
    daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`, '--allow-origin', ALLOWED_ORIGIN]);
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    await deleteNamespace(ns);
  });

  describe('auth and the Host/Origin guard', () => {
    it('creates the token file with mode 0600', () => {
      expect(statSync(join(daemon.home, 'token')).mode & 0o777).toBe(0o600);
      expect(daemon.token.length).toBeGreaterThanOrEqual(32);
    });
    it('answers /v1/health without a token, and nothing else', async () => {
      const [health, none, wrong, right] = await request(daemon, [
        { path: '/v1/health', auth: false },
        { path: '/v1/backends', auth: false },
        { path: '/v1/backends', auth: false, headers: { authorization: `Bearer ${daemon.token.slice(0, -1)}x` } },
        { path: '/v1/backends' },
      ]);
      expect(Health.parse(health?.json())).toMatchObject({ status: 'ok', problems: [] });
      expect(none).toMatchObject({ status: 401 });
      expect(ApiError.parse(none?.json())).toMatchObject({ code: 'ENDPOINTD_UNAUTHORIZED', message: 'missing bearer token' });
      expect(wrong?.status).toBe(401);
      expect(wrong?.json()).toMatchObject({ message: 'wrong token' });
      expect(right?.status).toBe(200);
    });
    it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
      const res = await requestOne(daemon, { path: '/v1/backends', headers: { host: 'evil.example' } });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ code: 'ENDPOINTD_HOST_REJECTED' });
      const health = await requestOne(daemon, {
        path: '/v1/health',
        auth: false,
        headers: { host: `evil.example:${new URL(daemon.url).port}` },
      });
      expect(health.status).toBe(403);
    });
    it('refuses a foreign Origin and answers CORS for the allowed one', async () => {
      const [foreign, allowed, preflight] = await request(daemon, [
        { path: '/v1/backends', headers: { origin: 'https://evil.example' } },
        { path: '/v1/backends', headers: { origin: ALLOWED_ORIGIN } },
        {
          method: 'OPTIONS',
          path: '/v1/backends',
          auth: false,
          headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        },
      ]);
      expect(foreign?.status).toBe(403);
      expect(foreign?.json()).toMatchObject({ code: 'ENDPOINTD_ORIGIN_REJECTED' });
      expect(foreign?.headers['access-control-allow-origin']).toBeUndefined();
      expect(allowed?.status).toBe(200);
      expect(allowed?.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(preflight?.status).toBe(204);
      expect(preflight?.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(preflight?.headers['access-control-allow-headers']).toMatch(/authorization/);
    });
  });

  describe('validation', () => {
    it('answers 4xx with a clear message for malformed JSON, wrong types, unknown backends and oversize bodies', async () => {
      const [malformed, types, unknown, oversize, badType, badQuery, noRoute] = await request(daemon, [
        { method: 'POST', path: '/v1/backends', body: '{"name": "x",' },
        { method: 'POST', path: '/v1/backends', body: JSON.stringify({ name: '-bad', port: 'eighty' }) },
        { path: '/v1/backends/nope/endpoints' },
        { method: 'POST', path: '/v1/backends', body: JSON.stringify({ name: 'big', port: 1, probePath: `/${'a'.repeat(100_000)}` }) },
        { method: 'PUT', path: '/v1/backends/app/default', body: JSON.stringify({ type: 'carrier-pigeon' }) },
        { path: '/v1/backends/app/endpoints?refresh=maybe' },
        { path: '/v2/anything' },
      ]);
      expect(malformed).toMatchObject({ status: 400 });
      expect(malformed?.json()).toMatchObject({ code: 'ENDPOINTD_INVALID_JSON' });
      expect(types?.status).toBe(400);
      expect(types?.json<ApiError>().message).toMatch(/body\.name: use 1-63 letters.*body\.port: must be a number/);
      expect(unknown?.status).toBe(404);
      expect(unknown?.json()).toMatchObject({ code: 'ENDPOINTD_BACKEND_NOT_FOUND', hint: 'Known backends: app.' });
      expect(oversize?.status).toBe(413);
      expect(badType?.status).toBe(400);
      expect(badType?.json<ApiError>().message).toMatch(/body\.type/);
      expect(badQuery?.status).toBe(400);
      expect(noRoute?.status).toBe(404);
    });

    it('never answers 500 nor crashes, whatever is posted to any route (property test)', async () => {
      const routes = [
        ['POST', '/v1/backends'],
        ['PUT', '/v1/backends/app/default'],
        ['POST', '/v1/backends/app/exposures'],
        ['DELETE', '/v1/backends/app/exposures/cloudflare-quick'],
        ['DELETE', '/v1/backends/fuzz/default'],
        ['GET', '/v1/backends/app/endpoints?refresh=false'],
        ['POST', '/v1/backends/%ZZ/exposures'],
      ] as const;
      const body = fc.oneof(
        fc.json(),
        fc.string(),
        fc
          .record(
            { name: fc.string(), port: fc.oneof(fc.integer(), fc.string(), fc.double()), probePath: fc.string(), identity: fc.anything() },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
        fc
          .record(
            { type: fc.oneof(fc.constantFrom('lan', 'cloudflare-quick', 'tailscale-funnel'), fc.string()), options: fc.anything() },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      const samples = fc.sample(fc.tuple(fc.constantFrom(...routes), body), { numRuns: 300, seed: 4242 });
      const responses = await request(
        daemon,
        samples.map(([[method, path], b]) => ({ method, path, ...(method === 'GET' ? {} : { body: b }) })),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s >= 500 || s === 0)).toEqual([]);
      for (const r of responses.filter((x) => x.status >= 400)) expect(ApiError.safeParse(r.json()).success).toBe(true);
      const health = await requestOne(daemon, { path: '/v1/health', auth: false });
      expect(health.status).toBe(200);
    });
  });

  describe('backends and endpoints', () => {
    it('lists, adds and removes backends; flag backends cannot be removed', async () => {
      const [added, dup, list, removeFlag, removeApi, gone] = await request(daemon, [
        { method: 'POST', path: '/v1/backends', body: JSON.stringify({ name: 'extra', port: backend.port, probePath: '/id' }) },
        { method: 'POST', path: '/v1/backends', body: JSON.stringify({ name: 'extra', port: 1 }) },
        { path: '/v1/backends' },
        { method: 'DELETE', path: '/v1/backends/app' },
        { method: 'DELETE', path: '/v1/backends/extra' },
        { path: '/v1/backends/extra/endpoints' },
      ]);
      expect(added?.status).toBe(201);
      expect(BackendInfo.parse(added?.json())).toMatchObject({ name: 'extra', source: 'api', probePath: '/id' });
      expect(dup?.json()).toMatchObject({ statusCode: 409, code: 'ENDPOINTD_BACKEND_EXISTS' });
      expect(list?.json<{ backends: BackendInfo[] }>().backends.map((b) => [b.name, b.source])).toEqual([
        ['app', 'flag'],
        ['extra', 'api'],
      ]);
      expect(removeFlag?.json()).toMatchObject({ statusCode: 409, code: 'ENDPOINTD_BACKEND_NOT_REMOVABLE' });
      expect(removeApi?.status).toBe(200);
      expect(removeApi?.json()).toEqual({ backend: 'extra', stoppedExposures: [], failedStops: [] });
      expect(gone?.status).toBe(404);
    });
    it('serves a verified endpoint list that validates against the core schema', async () => {
      const res = await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' });
      const list = EndpointList.parse(res.json());
      expect(list.endpoints).toMatchObject([{ type: 'loopback', status: 'verified' }]);
    });
    it('answers 304 to a poller whose ETag is current', async () => {
      const first = await requestOne(daemon, { path: '/v1/backends/app/endpoints' });
      const etag = first.headers.etag ?? '';
      expect(etag).toMatch(/^"[\w-]{22}"$/);
      const [again, stale] = await request(daemon, [
        { path: '/v1/backends/app/endpoints', headers: { 'if-none-match': etag } },
        { path: '/v1/backends/app/endpoints', headers: { 'if-none-match': '"old"' } },
      ]);
      expect(again).toMatchObject({ status: 304, body: '' });
      expect(stale?.status).toBe(200);
    });
    it('publishes an OpenAPI document generated from the zod schemas', async () => {
      const res = await requestOne(daemon, { path: '/openapi.json' });
      const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/health',
          '/v1/backends',
          '/v1/backends/{name}/endpoints',
          '/v1/backends/{name}/default',
          '/v1/providers',
          '/v1/backends/{name}/exposures',
          '/v1/events',
        ]),
      );
      expect(JSON.stringify(doc.paths['/v1/backends/{name}/endpoints'])).toMatch(/mixedContentSafe/);
    });
    it('turns an exposure whose tool is missing into a failed state with its reason, touching no network', async () => {
      const res = await requestOne(daemon, {
        method: 'POST',
        path: '/v1/backends/app/exposures',
        body: JSON.stringify({ type: 'ssh-reverse', options: { host: 'vps.example.com' } }),
      });
      expect(res.status).toBe(202);
      const deadline = Date.now() + 10_000;
      let state = '';
      while (state !== 'failed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const list = (await requestOne(daemon, { path: '/v1/backends/app/exposures' })).json<{
          exposures: Array<{ state: string; reason?: string }>;
        }>();
        state = list.exposures[0]?.state ?? '';
        if (state === 'failed') expect(list.exposures[0]?.reason).toBe('not-installed');
      }
      expect(state).toBe('failed');
      expect((await requestOne(daemon, { method: 'DELETE', path: '/v1/backends/app/exposures/ssh-reverse' })).status).toBe(200);
    });
  });
});
