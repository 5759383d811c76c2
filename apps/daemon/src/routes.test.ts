import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExposeContext, Provider } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnsweredCode, API_ERRORS } from './api-errors.js';
import { type InProcessDaemon, startHttpBackend, startInProcess, staticBackend, TEST_PORT, tempHome } from './testing/in-process.js';

// Every route and every answered error code, in process (buildApp + inject, no root): what a GUI
// can send, the daemon's answer, and its one error shape. Two meta-tests keep the tables complete.

/** A relay-type exposure whose URL is the backend on loopback: verified as this backend, like a real one. */
function loopbackExposer(): Provider {
  return {
    id: 'loop',
    types: ['relay'],
    exposureTypes: ['relay'],
    async discover() {
      return { candidates: [] };
    },
    async expose(ctx: ExposeContext) {
      ctx.update({ state: 'active', url: `http://127.0.0.1:${ctx.backend.port}/` });
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
    },
  };
}

/** An ssh-reverse-type exposure that ignores being stopped: what a hung tool is to its provider. */
function stubbornExposer(): Provider {
  return {
    id: 'stubborn',
    types: ['ssh-reverse'],
    exposureTypes: ['ssh-reverse'],
    async discover() {
      return { candidates: [] };
    },
    async expose(ctx: ExposeContext) {
      ctx.update({ state: 'starting' });
      await new Promise<void>(() => undefined);
    },
  };
}

let backend: Awaited<ReturnType<typeof startHttpBackend>>;
let d: InProcessDaemon;
const covered = new Set<string>();
const answered = new Set<string>();
const self = `http://127.0.0.1:${TEST_PORT}`;

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
  via: InProcessDaemon = d,
): Promise<LightMyRequestResponse> {
  const res = await via.call(method, url, body, headers);
  covered.add(`${method} ${url.split('?')[0]}`);
  const json = res.body.length > 0 && res.headers['content-type']?.toString().includes('json');
  const code = json ? (res.json() as { code?: string }).code : undefined;
  if (code) answered.add(code);
  return res;
}

/** Asserts the API's one error shape: status and code from API_ERRORS, a message, no stack. */
function expectError(res: LightMyRequestResponse, code: AnsweredCode): void {
  expect(res.statusCode, res.body).toBe(API_ERRORS[code].status);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ statusCode: API_ERRORS[code].status, code });
  expect(typeof body.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+|ZodError|errno/);
}

beforeAll(async () => {
  backend = await startHttpBackend('routes');
  d = await startInProcess({
    backends: [staticBackend('app', backend.port)],
    providers: [createLanProvider(), loopbackExposer(), stubbornExposer()],
    maxBackends: 3,
    exposureStopTimeoutMs: 300,
  });
});
afterAll(async () => {
  await d?.close();
  await backend?.close();
});

describe('every route, in process', () => {
  it('health, providers, the OpenAPI document', async () => {
    expect((await call('GET', '/v1/health')).json()).toHaveProperty('problems');
    expect((await call('GET', '/v1/providers')).json().providers.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining(['loop', 'stubborn']),
    );
    expect((await call('GET', '/openapi.json')).json()).toHaveProperty('paths');
  });

  it('backends: list, add, remove', async () => {
    expect((await call('GET', '/v1/backends')).json().backends.map((b: { name: string }) => b.name)).toEqual(['app']);
    expect((await call('POST', '/v1/backends', { name: 'extra', port: backend.port })).statusCode).toBe(201);
    expect((await call('DELETE', '/v1/backends/extra')).statusCode).toBe(200);
  });

  it('endpoints, reports and the default type', async () => {
    const list = await call('GET', '/v1/backends/app/endpoints?refresh=true');
    expect(list.statusCode).toBe(200);
    const loopback = list.json().endpoints.find((e: { type: string }) => e.type === 'loopback');
    expect(loopback).toMatchObject({ status: 'verified' });
    const report = await call('POST', '/v1/backends/app/reports', {
      client: { id: 'phone-1', label: 'Phone' },
      results: [{ endpointId: loopback.id, ok: true, latencyMs: 3 }],
    });
    expect(report.statusCode).toBe(202);
    // The cached list (answered before validation and the handler): its ETag, then 304 until it changes.
    const cached = await call('GET', '/v1/backends/app/endpoints');
    expect(cached.statusCode).toBe(200);
    expect(cached.json()).toMatchObject({
      backend: 'app',
      endpoints: expect.arrayContaining([expect.objectContaining({ id: loopback.id })]),
    });
    const etag = String(cached.headers.etag);
    expect((await call('GET', '/v1/backends/app/endpoints', undefined, { 'if-none-match': etag })).statusCode).toBe(304);
    // Anything else takes the validated way: an unknown name, a query the handler must read.
    expectError(await call('GET', '/v1/backends/Not_A_Name/endpoints'), 'ENDPOINTD_BACKEND_NOT_FOUND');
    expectError(await call('GET', '/v1/backends/app/endpoints?refresh=maybe'), 'ENDPOINTD_VALIDATION');
    expect((await call('PUT', '/v1/backends/app/default', { type: 'loopback' })).json()).toMatchObject({ type: 'loopback' });
    expect((await call('GET', '/v1/backends/app/default')).json()).toMatchObject({ type: 'loopback' });
    expect((await call('DELETE', '/v1/backends/app/default')).statusCode).toBe(200);
  });

  it('exposures: enable (verified), list, disable', async () => {
    expect((await call('POST', '/v1/backends/app/exposures', { type: 'relay' })).statusCode).toBe(202);
    await expect
      .poll(async () => (await call('GET', '/v1/backends/app/exposures')).json().exposures[0], { timeout: 5_000 })
      .toMatchObject({ type: 'relay', state: 'active', endpoint: { status: 'verified' } });
    expect((await call('DELETE', '/v1/backends/app/exposures/relay')).json()).toMatchObject({ state: 'stopped' });
  });

  it('discovered services: list, and adopting one that is not there', async () => {
    expect((await call('GET', '/v1/discovered')).json()).toHaveProperty('services');
    expectError(await call('POST', '/v1/discovered/adopt', { port: 1 }), 'ENDPOINTD_NOT_DISCOVERED');
  });

  it('the console: page, assets, login link, sessions, logout, token rotation', async () => {
    const home = tempHome();
    const built = join(home, 'console');
    mkdirSync(built);
    const { writeFileSync } = await import('node:fs');
    for (const f of ['index.html', 'app.js', 'app.css']) writeFileSync(join(built, f), f);
    const c = await startInProcess({ home, consoleDir: `${built}/` });
    try {
      for (const path of ['/', '/console/app.js', '/console/app.css'])
        expect((await call('GET', path, undefined, {}, c)).statusCode).toBe(200);
      const link = await call('POST', '/v1/console/links', {}, {}, c);
      expect(link.statusCode).toBe(201);
      const url = new URL(link.json().url);
      const login = await c.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { host: `127.0.0.1:${TEST_PORT}` } });
      covered.add(`GET ${url.pathname}`);
      expect(login.statusCode).toBe(303);
      const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
      const sessions = await call('GET', '/v1/sessions', undefined, {}, c);
      const id = sessions.json().sessions[0].id;
      // A session may read, but not mint links or rotate the token: those need the token itself.
      const page = { cookie, authorization: '', 'sec-fetch-site': 'same-origin', origin: self };
      expectError(await call('POST', '/v1/console/links', {}, page, c), 'ENDPOINTD_TOKEN_REQUIRED');
      expect((await call('POST', '/v1/console/logout', {}, page, c)).statusCode).toBe(200);
      expectError(await call('DELETE', `/v1/sessions/${id}`, undefined, {}, c), 'ENDPOINTD_SESSION_NOT_FOUND');
      expect((await call('DELETE', '/v1/sessions', undefined, {}, c)).statusCode).toBe(200);
      const rotated = await call('POST', '/v1/token/rotate', {}, {}, c);
      expect(rotated.statusCode).toBe(200);
      // The old token no longer works.
      expectError(await call('GET', '/v1/backends', undefined, {}, c), 'ENDPOINTD_UNAUTHORIZED');
    } finally {
      await c.close();
    }
    const notBuilt = await startInProcess({ consoleDir: null });
    try {
      expectError(await call('GET', '/console/app.js', undefined, {}, notBuilt), 'ENDPOINTD_CONSOLE_NOT_BUILT');
    } finally {
      await notBuilt.close();
    }
  });

  it('the event stream refuses a subscriber beyond its cap (the stream itself is tested over a socket)', async () => {
    const ev = await startInProcess({ maxSubscribers: 1 });
    try {
      const base = await ev.listen();
      const first = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${ev.token}` } });
      expect(first.status).toBe(200);
      covered.add('GET /v1/events');
      expectError(await call('GET', '/v1/events', undefined, {}, ev), 'ENDPOINTD_TOO_MANY_SUBSCRIBERS');
      await first.body?.cancel();
    } finally {
      await ev.close();
    }
  });
});

describe('every error code, in process', () => {
  it('the guard: token, Host and Origin', async () => {
    expectError(await call('GET', '/v1/backends', undefined, { authorization: '' }), 'ENDPOINTD_UNAUTHORIZED');
    expectError(await call('GET', '/v1/backends', undefined, { host: 'evil.example:4737' }), 'ENDPOINTD_HOST_REJECTED');
    expectError(await call('GET', '/v1/backends', undefined, { origin: 'https://evil.example' }), 'ENDPOINTD_ORIGIN_REJECTED');
  });

  it('bad requests: JSON, media type, size, shape', async () => {
    const raw = (payload: string, type: string) =>
      d.app.inject({
        method: 'POST',
        url: '/v1/backends',
        payload,
        headers: { host: `127.0.0.1:${TEST_PORT}`, authorization: `Bearer ${d.token}`, 'content-type': type },
      });
    for (const [res, code] of [
      [await raw('{"name": "x",', 'application/json'), 'ENDPOINTD_INVALID_JSON'],
      [await raw('<name>x</name>', 'application/xml'), 'ENDPOINTD_UNSUPPORTED_MEDIA_TYPE'],
      [await raw(JSON.stringify({ name: 'x', port: 1, pad: 'x'.repeat(70_000) }), 'application/json'), 'ENDPOINTD_BODY_TOO_LARGE'],
      [
        await d.app.inject({ method: 'GET', url: '/v1/backends/%E0%A4%A', headers: { host: `127.0.0.1:${TEST_PORT}` } }),
        'ENDPOINTD_BAD_REQUEST',
      ],
    ] as const) {
      answered.add(code);
      expectError(res, code);
    }
    const invalid = await call('POST', '/v1/backends', { name: '-bad', port: 'eighty' });
    expectError(invalid, 'ENDPOINTD_VALIDATION');
    expect(invalid.json().issues.map((i: { path: string[] }) => i.path.at(-1))).toEqual(expect.arrayContaining(['name', 'port']));
    expectError(await call('GET', '/v1/nope'), 'ENDPOINTD_ROUTE_NOT_FOUND');
  });

  it('backends: unknown, duplicate, over the cap, from a flag', async () => {
    expectError(await call('GET', '/v1/backends/ghost/endpoints'), 'ENDPOINTD_BACKEND_NOT_FOUND');
    expect((await call('POST', '/v1/backends', { name: 'b1', port: backend.port })).statusCode).toBe(201);
    expectError(await call('POST', '/v1/backends', { name: 'b1', port: backend.port }), 'ENDPOINTD_BACKEND_EXISTS');
    expect((await call('POST', '/v1/backends', { name: 'b2', port: backend.port })).statusCode).toBe(201);
    expectError(await call('POST', '/v1/backends', { name: 'b3', port: backend.port }), 'ENDPOINTD_TOO_MANY_BACKENDS');
    expectError(await call('DELETE', '/v1/backends/app'), 'ENDPOINTD_BACKEND_NOT_REMOVABLE');
    for (const name of ['b1', 'b2']) await call('DELETE', `/v1/backends/${name}`);
  });

  it('exposures: no provider, bad options, not enabled, a stop that does not finish', async () => {
    expectError(await call('POST', '/v1/backends/app/exposures', { type: 'tailscale-funnel' }), 'ENDPOINTD_EXPOSURE_UNSUPPORTED');
    const bad = await call('POST', '/v1/backends/app/exposures', { type: 'relay', options: { nope: 1 }, expiresInMs: 5 });
    expectError(bad, 'ENDPOINTD_VALIDATION');
    expectError(await call('DELETE', '/v1/backends/app/exposures/relay'), 'ENDPOINTD_EXPOSURE_NOT_FOUND');
    expect((await call('POST', '/v1/backends/app/exposures', { type: 'ssh-reverse' })).statusCode).toBe(202);
    expectError(await call('DELETE', '/v1/backends/app/exposures/ssh-reverse'), 'ENDPOINTD_STOP_FAILED');
  });

  it('a change that cannot be saved is refused, not acknowledged', async () => {
    const home = tempHome();
    // state.json is a directory: the atomic rename onto it fails whatever the user (root included).
    mkdirSync(join(home, 'state.json'));
    const s = await startInProcess({ home });
    try {
      expectError(await call('POST', '/v1/backends', { name: 'x', port: backend.port }, {}, s), 'ENDPOINTD_STATE_NOT_SAVED');
      expect((await call('GET', '/v1/backends', undefined, {}, s)).json().backends).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe('completeness', () => {
  it('every route the app serves was called above', () => {
    // The routes as the OpenAPI document lists them, plus those it hides (the console's files).
    const doc = d.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    routes.push('GET /', 'GET /console/app.js', 'GET /console/app.css', 'GET /openapi.json');
    expect(routes.length).toBeGreaterThan(20);
    const calledAs = (route: string) => {
      const pattern = new RegExp(`^${route.replace(/:\w+/g, '[^/]+')}$`);
      return [...covered].some((c) => pattern.test(c));
    };
    expect(routes.filter((r) => !calledAs(r))).toEqual([]);
  });
  it('every answered ENDPOINTD_* code was produced above (INTERNAL aside: no request may cause a 500)', () => {
    const codes = Object.entries(API_ERRORS)
      .filter(([code, spec]) => spec.status !== null && code !== 'ENDPOINTD_INTERNAL')
      .map(([code]) => code);
    expect(codes.filter((c) => !answered.has(c))).toEqual([]);
  });
});
