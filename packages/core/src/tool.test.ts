import { describe, expect, it } from 'vitest';
import { Reason, StoredReason } from './schema/reason.js';
import { createSharedRead, createVersionRead, type ToolFacts, toolBinary, toolHint } from './tool.js';

const FACTS: ToolFacts = { tool: 'The x CLI', binEnv: 'ENDPOINTD_X_BIN', defaultBin: 'x', installFrom: 'x.example', check: '`x status`' };

function counted<T>(value: () => Promise<T>) {
  const calls = { n: 0 };
  const load = () => {
    calls.n++;
    return value();
  };
  return { calls, load };
}

describe('createSharedRead', () => {
  it('shares one call among callers who ask while it runs, then serves the cache for the TTL', async () => {
    let now = 0;
    let release: (v: string) => void = () => undefined;
    const { calls, load } = counted(() => new Promise<string>((r) => (release = r)));
    const read = createSharedRead(load, { ttlMs: 1_000, now: () => now });
    const all = Promise.all([read.read(), read.read(), read.read()]);
    release('a');
    expect(await all).toEqual(['a', 'a', 'a']);
    expect(await read.read()).toBe('a');
    expect(calls.n).toBe(1);
    now = 1_000;
    void read.read();
    expect(calls.n).toBe(2);
  });
  it('a refresh neither uses the cache nor joins a call that began before it', async () => {
    const { calls, load } = counted(async () => 'v');
    const read = createSharedRead(load, { ttlMs: 60_000 });
    await read.read();
    await Promise.all([read.read(true), read.read(true)]);
    expect(calls.n).toBe(3);
  });
  it('asks a missing tool again only after the longer TTL, and a refresh only after the short one', async () => {
    let now = 0;
    const { calls, load } = counted(() => Promise.reject(new Error('missing')));
    const read = createSharedRead(load, { ttlMs: 5_000, absentTtlMs: 60_000, isAbsent: () => true, now: () => now });
    await expect(read.read()).rejects.toThrow('missing');
    now = 4_000;
    await expect(read.read(true)).rejects.toThrow('missing');
    now = 30_000;
    await expect(read.read()).rejects.toThrow('missing');
    expect(calls.n).toBe(1);
    await expect(read.read(true)).rejects.toThrow('missing');
    expect(calls.n).toBe(2);
  });
});

describe('createVersionRead (real executables)', () => {
  it('reads a version once from the tool’s output, and null for a missing tool', async () => {
    const node = createVersionRead(process.execPath, ['--version'], /^v(\S+)/m);
    expect(await node()).toBe(process.versions.node);
    expect(await createVersionRead('/nonexistent/tool', ['--version'], /(.+)/)()).toBeNull();
  });
});

describe('tool facts', () => {
  it('finds the binary through the variable in the env given, not process.env', () => {
    expect(toolBinary(FACTS, { ENDPOINTD_X_BIN: '/opt/x' })).toBe('/opt/x');
    expect(toolBinary(FACTS, {})).toBe('x');
  });
  it('fills the tool’s words into shared hints', () => {
    expect(toolHint(FACTS, 'not-installed')).toBe(
      'The x CLI was not found on PATH (or at ENDPOINTD_X_BIN): install it (x.example); endpointd never downloads tools.',
    );
    expect(toolHint(FACTS, 'tool-timed-out', { timeoutMs: 5_000 })).toContain('within 5000 ms');
  });
});

describe('the closed reason set', () => {
  it('reads names earlier versions stored as today’s, and anything unknown as tool-failed', () => {
    expect(StoredReason.parse('bad-token')).toBe('tunnel-bad-token');
    expect(StoredReason.parse('timeout')).toBe('tool-timed-out');
    expect(StoredReason.parse('auth-failed')).toBe('auth-failed');
    expect(StoredReason.parse('made-up')).toBe('tool-failed');
  });
  it('uses one word per cause: no timeout variants beside *-timed-out', () => {
    for (const r of Reason.options) expect(r, r).not.toMatch(/timeout|^unknown$/);
  });
});
