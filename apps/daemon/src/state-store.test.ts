import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlreadyRunningError, acquireInstanceLock } from './instance-lock.js';
import { createStateStore } from './state-store.js';
import { createTokenChecker, ensureToken } from './token.js';

const home = () => mkdtempSync(join(tmpdir(), 'endpointd-unit-'));

describe('state store', () => {
  it('starts empty, saves with mode 0600 and loads what it saved', async () => {
    const dir = home();
    const store = createStateStore(dir);
    expect((await store.load()).state).toEqual({ version: 1, backends: [], defaults: {}, exposures: [] });
    await store.save({ version: 1, backends: [], defaults: { app: 'lan' }, exposures: [] });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect((await store.load()).state.defaults).toEqual({ app: 'lan' });
  });
  it('serialises concurrent saves so the last one wins and the file is always whole', async () => {
    const store = createStateStore(home());
    await Promise.all(
      ['lan', 'custom', 'loopback'].map((t) => store.save({ version: 1, backends: [], defaults: { app: t as 'lan' }, exposures: [] })),
    );
    expect(JSON.parse(readFileSync(store.file, 'utf8')).defaults.app).toBe('loopback');
  });
  it('moves an invalid file aside with a timestamp instead of overwriting it', async () => {
    const dir = home();
    writeFileSync(join(dir, 'state.json'), '[]');
    const { state, problem } = await createStateStore(dir, () => new Date('2026-11-22T10:00:00Z')).load();
    expect(state.backends).toEqual([]);
    expect(problem).toMatchObject({ movedTo: join(dir, 'state.json.corrupt-2026-11-22T10-00-00-000Z') });
    expect(readdirSync(dir)).toEqual(['state.json.corrupt-2026-11-22T10-00-00-000Z']);
  });
});

describe('token and lock', () => {
  it('creates a 0600 token once and compares in constant time', () => {
    const dir = home();
    const token = ensureToken(dir);
    expect(ensureToken(dir)).toBe(token);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    const check = createTokenChecker(token);
    expect(check(token)).toBe(true);
    expect(check(`${token}x`)).toBe(false);
    expect(check(token.slice(1))).toBe(false);
    expect(check(`${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}`)).toBe(false);
    // Same length in UTF-16 units, but not the token's bytes: neither a multi-byte character nor
    // one whose low byte is a token character passes.
    expect(check(`é${token.slice(1)}`)).toBe(false);
    expect(check(`${String.fromCharCode(0x100 + token.charCodeAt(0))}${token.slice(1)}`)).toBe(false);
    expect(check(token)).toBe(true); // nothing left over from the failed checks
  });
  it('refuses a live holder and takes over a dead one', () => {
    const dir = home();
    writeFileSync(join(dir, 'daemon.lock'), String(process.ppid));
    expect(() => acquireInstanceLock(dir)).toThrow(AlreadyRunningError);
    writeFileSync(join(dir, 'daemon.lock'), '999999999');
    const release = acquireInstanceLock(dir);
    expect(readFileSync(join(dir, 'daemon.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
