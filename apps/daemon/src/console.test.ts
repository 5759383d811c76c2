import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from './routes/console.js';
import { createSessionBook, LOGIN_LINK_TTL_MS } from './session-book.js';
import { type InProcessDaemon, startInProcess, TEST_PORT, tempHome } from './testing/in-process.js';

describe('session book (unit)', () => {
  it('a login code works once and only within a minute; sessions are stored as hashes', () => {
    let t = 1_000_000;
    const home = tempHome();
    const book = createSessionBook(home, () => t);
    const { code } = book.createLoginCode();
    const first = book.redeem(code, 'test agent');
    expect(first).not.toBeNull();
    expect(book.redeem(code, null)).toBeNull(); // once
    const late = book.createLoginCode();
    t += LOGIN_LINK_TTL_MS + 1;
    expect(book.redeem(late.code, null)).toBeNull(); // expired
    const cookie = first?.cookie ?? '';
    expect(book.check(cookie)).toBe(first?.session.id);
    expect(book.check(`${first?.session.id}.wrong`)).toBeNull();
    const file = readFileSync(join(home, 'sessions.json'), 'utf8');
    expect(file).not.toContain(cookie.split('.')[1]);
    // A restarted daemon keeps it.
    expect(createSessionBook(home, () => t).check(cookie)).toBe(first?.session.id);
  });
});

describe('the console: login link, session cookie, own-origin rule (issue 12.2, in process)', () => {
  let d: InProcessDaemon;
  const self = `http://127.0.0.1:${TEST_PORT}`;
  beforeAll(async () => {
    d = await startInProcess();
  });
  afterAll(async () => {
    await d.close();
  });
  const login = async () => {
    const link = await d.call('POST', '/v1/console/links', {});
    expect(link.statusCode).toBe(201);
    const url = new URL(link.json().url);
    expect(url.origin).toBe(self);
    const res = await d.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { host: `127.0.0.1:${TEST_PORT}` } });
    return { url, res, cookie: String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '' };
  };
  const asPage = (
    method: 'GET' | 'POST' | 'DELETE' | 'PUT',
    url: string,
    cookie: string,
    headers: Record<string, string>,
    body?: unknown,
  ) =>
    d.app.inject({
      method,
      url,
      headers: { host: `127.0.0.1:${TEST_PORT}`, cookie, ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });

  it('serves the page without credentials, with a strict CSP and no token in it', async () => {
    const page = await d.app.inject({ method: 'GET', url: '/', headers: { host: `127.0.0.1:${TEST_PORT}` } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/script-src 'self'/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.body).not.toContain(d.token);
    expect(page.body).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*src=)[^>]*>/);
    const js = await d.app.inject({ method: 'GET', url: '/console/app.js', headers: { host: `127.0.0.1:${TEST_PORT}` } });
    expect(js.statusCode).toBe(200);
    expect(js.body).not.toContain(d.token);
  });

  it('a login link works once and sets an HttpOnly, SameSite=Strict cookie, then redirects to /', async () => {
    const { url, res, cookie } = await login();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(String(res.headers['set-cookie'])).toMatch(
      /^endpointd_session=[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/,
    );
    expect(cookie).not.toContain(d.token);
    const again = await d.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { host: `127.0.0.1:${TEST_PORT}` } });
    expect(again.statusCode).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toMatch(/used already or is more than a minute old/);
  });

  it('the cookie works for the daemon’s own pages only', async () => {
    const { cookie } = await login();
    // Same-origin reads (what the page's fetch and EventSource send) and changes with its Origin.
    expect((await asPage('GET', '/v1/backends', cookie, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    expect((await asPage('POST', '/v1/backends', cookie, { origin: self }, { name: 'c1', port: 3999 })).statusCode).toBe(201);
    // Another localhost port: same site, so the browser sends the cookie; refused all the same.
    for (const headers of <Array<Record<string, string>>>[
      { origin: 'http://127.0.0.1:5555' },
      { origin: 'http://localhost:5555' },
      { 'sec-fetch-site': 'same-site' },
      {},
    ]) {
      expect((await asPage('GET', '/v1/backends', cookie, headers)).statusCode, JSON.stringify(headers)).toBe(403);
      const post = await asPage('POST', '/v1/backends', cookie, headers, { name: 'evil', port: 4000 });
      expect(post.statusCode, JSON.stringify(headers)).toBe(403);
    }
    // A change needs the Origin, a same-origin marker alone is not enough.
    expect((await asPage('DELETE', '/v1/backends/c1', cookie, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(403);
    // A session cannot mint login links or rotate the token.
    expect((await asPage('POST', '/v1/console/links', cookie, { origin: self }, {})).statusCode).toBe(403);
    expect((await asPage('POST', '/v1/token/rotate', cookie, { origin: self }, {})).statusCode).toBe(403);
    expect((await d.call('GET', '/v1/backends')).json().backends.map((b: { name: string }) => b.name)).toEqual(['c1']);
    await d.call('DELETE', '/v1/backends/c1');
  });

  it('sessions are listed and revoked; all end when the token rotates, and the old token stops working', async () => {
    const a = await login();
    const b = await login();
    const listed = await asPage('GET', '/v1/sessions', a.cookie, { 'sec-fetch-site': 'same-origin' });
    const sessions = listed.json().sessions as Array<{ id: string; current: boolean }>;
    const mine = sessions.find((s) => s.current);
    expect(mine).toBeDefined();
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect((await d.call('DELETE', `/v1/sessions/${mine?.id}`)).statusCode).toBe(200);
    expect((await asPage('GET', '/v1/backends', a.cookie, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(401);
    expect((await asPage('GET', '/v1/backends', b.cookie, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    const rotated = await d.call('POST', '/v1/token/rotate', {});
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().revoked).toBeGreaterThanOrEqual(1);
    expect(rotated.body).not.toMatch(/token"/);
    expect((await asPage('GET', '/v1/backends', b.cookie, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(401);
    expect((await d.call('GET', '/v1/backends')).statusCode).toBe(401); // the old token
    const fresh = readFileSync(join(d.home, 'token'), 'utf8').trim();
    expect(fresh).not.toBe(d.token);
    const withNew = await d.app.inject({
      method: 'GET',
      url: '/v1/backends',
      headers: { host: `127.0.0.1:${TEST_PORT}`, authorization: `Bearer ${fresh}` },
    });
    expect(withNew.statusCode).toBe(200);
  });
});
