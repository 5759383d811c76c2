import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byUrl, listJson, tag } from './helpers/list.js';
import { createLanTopology, type LanTopology } from './helpers/netns.js';
import { backendPool } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('identity checks against real servers', () => {
  let t: LanTopology;
  const pool = backendPool();
  const start = (args: string[]) => pool.start(t.host, args);
  beforeAll(async () => {
    t = await createLanTopology(tag('id'));
  });
  afterAll(async () => {
    await pool.stopAll();
    await t?.destroy();
  });

  it('detects a json-field mismatch between the backend and another server on the same port', async () => {
    const mine = await start(['--host', '127.0.0.1', '--id', 'env-1']);
    await start(['--host', t.hostV4, '--port', String(mine.port), '--id', 'env-2']);
    const list = await listJson(t.host, mine.port, ['--identity', 'json-field:/id#environmentId']);
    expect(byUrl(list, `http://${t.hostV4}:${mine.port}/`)).toMatchObject({
      status: 'wrong-backend',
      verification: { identity: 'json-field', reason: 'identity-mismatch' },
    });
    expect(byUrl(list, `http://127.0.0.1:${mine.port}/`)).toMatchObject({
      status: 'verified',
      verification: { identity: 'json-field', identityStrength: 'strong' },
    });
  });

  it('says which field it could not read when the json-field check is misconfigured', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'cfg']);
    const list = await listJson(t.host, b.port, ['--identity', 'json-field:/id#missingField']);
    expect(byUrl(list, `http://${t.hostV4}:${b.port}/`)).toMatchObject({
      status: 'unverified',
      verification: { reason: 'identity-unavailable' },
    });
    expect(byUrl(list, `http://${t.hostV4}:${b.port}/`).verification.hint).toContain('missingField');
  });

  it('matches a header against the loopback answer', async () => {
    const mine = await start(['--host', '127.0.0.1', '--id', 'h1']);
    await start(['--host', t.hostV4, '--port', String(mine.port), '--id', 'h2']);
    const list = await listJson(t.host, mine.port, ['--identity', 'header:X-Backend-Id']);
    expect(byUrl(list, `http://${t.hostV4}:${mine.port}/`).status).toBe('wrong-backend');
    expect(byUrl(list, `http://127.0.0.1:${mine.port}/`).verification.identity).toBe('header');
  });

  it('falls back to a weaker fingerprint, labelled as such, when the page changes per request', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'nonce', '--mode', 'changing']);
    const lan = byUrl(await listJson(t.host, b.port), `http://${t.hostV4}:${b.port}/`);
    expect(lan).toMatchObject({ status: 'verified', verification: { identity: 'fingerprint', identityStrength: 'weak' } });
    expect(lan.verification.hint).toMatch(/checked loosely/);
  });

  it('still tells a changing page from another server with the weaker fingerprint', async () => {
    const mine = await start(['--host', '127.0.0.1', '--id', 'w1', '--mode', 'changing']);
    await start(['--host', t.hostV4, '--port', String(mine.port), '--id', 'w2', '--mode', 'changing']);
    expect(byUrl(await listJson(t.host, mine.port), `http://${t.hostV4}:${mine.port}/`).status).toBe('wrong-backend');
  });

  it('keeps the strong fingerprint for a page that echoes its own host', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'echo', '--mode', 'echo-host']);
    const lan = byUrl(await listJson(t.host, b.port), `http://${t.hostV4}:${b.port}/`);
    expect(lan).toMatchObject({ status: 'verified', verification: { identityStrength: 'strong' } });
  });

  it('checks the WebSocket upgrade when the backend declares a WebSocket path', async () => {
    const b = await start(['--host', '0.0.0.0', '--id', 'ws', '--websocket', '/ws']);
    const ok = byUrl(await listJson(t.host, b.port, ['--websocket', '/ws']), `http://${t.hostV4}:${b.port}/`);
    expect(ok).toMatchObject({ status: 'verified', verification: { websocket: 'ok' } });
    const bad = byUrl(await listJson(t.host, b.port, ['--websocket', '/elsewhere']), `http://${t.hostV4}:${b.port}/`);
    expect(bad).toMatchObject({ status: 'unreachable', verification: { websocket: 'failed', reason: 'websocket-failed' } });
  });
});
