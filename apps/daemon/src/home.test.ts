import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHome, resolveHome, UnsafeHomeError } from './home.js';
import { acquireInstanceLock } from './instance-lock.js';
import { createStateStore } from './state-store.js';
import { ensureToken } from './token.js';

const dir = () => mkdtempSync(join(tmpdir(), 'endpointd-home-test-'));

describe('the home folder cannot be hijacked (issue 9.7)', () => {
  it('creates a missing home with mode 0700', () => {
    const home = join(dir(), 'nested', 'endpointd');
    expect(resolveHome({ ENDPOINTD_HOME: home })).toBe(home);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  it('refuses a home writable by group or others, whoever planted a token there', () => {
    const home = dir();
    writeFileSync(join(home, 'token'), 'planted-token-planted-token\n', { mode: 0o600 });
    chmodSync(home, 0o777);
    expect(() => resolveHome({ ENDPOINTD_HOME: home })).toThrow(/writable by every user.*chmod 700/);
    chmodSync(home, 0o770);
    expect(() => checkHome(home)).toThrow(/writable by its group/);
  });

  it('tightens a home that is only readable by others', () => {
    const home = dir();
    chmodSync(home, 0o755);
    checkHome(home);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  // Giving a folder to another user needs root: CI runs as root and must run it; elsewhere it says so.
  const root = process.getuid?.() === 0;
  if (!root && process.env.CI) throw new Error('CI=true but not root: the ownership test cannot run');
  if (!root) console.warn('SKIPPED (not root): refuses a home owned by another user');
  it.runIf(root)('refuses a home owned by another user', () => {
    const home = dir();
    chownSync(home, 65534, 65534);
    expect(() => checkHome(home)).toThrow(/belongs to another user \(uid 65534\)/);
  });

  it('refuses a symlinked home, token, state or lock, and never writes through one', () => {
    const outside = dir();
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'precious\n');
    for (const name of ['token', 'state.json', 'daemon.lock']) {
      const home = dir();
      symlinkSync(victim, join(home, name));
      expect(() => checkHome(home)).toThrow(UnsafeHomeError);
      expect(() => checkHome(home)).toThrow(new RegExp(`${name.replace('.', '\\.')} is a symbolic link`));
    }
    const linked = join(dir(), 'link');
    const real = dir();
    symlinkSync(real, linked);
    expect(() => checkHome(linked)).toThrow(/is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('does not follow a link planted after the check (token, lock, state)', async () => {
    const outside = dir();
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'a-long-enough-planted-token-value\n');
    const home = dir();
    symlinkSync(victim, join(home, 'token'));
    expect(() => ensureToken(home)).toThrow(UnsafeHomeError);
    const lockHome = dir();
    symlinkSync(victim, join(lockHome, 'daemon.lock'));
    expect(() => acquireInstanceLock(lockHome)).toThrow(UnsafeHomeError);
    const stateHome = dir();
    mkdirSync(join(stateHome, 'x'));
    symlinkSync(victim, join(stateHome, 'state.json'));
    const store = createStateStore(stateHome);
    const loaded = await store.load();
    expect(loaded.state.backends).toEqual([]);
    expect(loaded.problem?.error).toMatch(/ELOOP|symbolic link|too many/i);
    await store.save({ version: 1, backends: [], defaults: {}, exposures: [] });
    expect(readFileSync(victim, 'utf8')).toBe('a-long-enough-planted-token-value\n');
  });
});
