import http from 'node:http';
import { Backend, createRegistry, type Exposure, type ExposureRecord, registerSecret } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpBackend } from '../testing/in-process.js';
import { armExpiry, MAX_TIMER_MS } from './expiry-timer.js';
import { planRestore, withoutRecord } from './exposure-records.js';
import { applyExposurePatch } from './exposure-state.js';
import { verifyExposureUrl } from './verify-exposure.js';

const base: Exposure = { backend: 'app', type: 'relay', provider: 'relay', state: 'starting', updatedAt: 't0' };

describe('applyExposurePatch', () => {
  it('applies, clears fields given as undefined, stamps the time, and redacts secrets a tool printed', () => {
    registerSecret('s3cr3t-token-value');
    const failed = applyExposurePatch(base, { state: 'failed', reason: 'tool-failed', error: 'exit 1: s3cr3t-token-value' }, 't1');
    expect(failed).toMatchObject({ state: 'failed', reason: 'tool-failed', updatedAt: 't1' });
    expect(failed.error).not.toContain('s3cr3t-token-value');
    const active = applyExposurePatch(failed, { state: 'active', reason: undefined, error: undefined }, 't2');
    expect(active).toEqual({ ...base, state: 'active', updatedAt: 't2' });
    expect('reason' in active).toBe(false);
  });
});

describe('planRestore', () => {
  const rec = (backend: string, extra: Partial<ExposureRecord> = {}): ExposureRecord => ({
    backend,
    type: 'relay',
    options: {},
    enabledAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  });
  it('starts the live ones, keeps permanent failures failed, forgets orphans and expired ones', () => {
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const records = [
      rec('live'),
      rec('live', { type: 'ssh-reverse', expiresAt: '2026-07-01T00:00:00.000Z' }),
      rec('broken', { failed: { reason: 'tunnel-bad-token', at: 'x' } }),
      rec('gone'),
      rec('late', { expiresAt: '2026-05-31T23:59:59.000Z' }),
    ];
    const plan = planRestore(records, (name) => name !== 'gone', now);
    expect(plan.start.map((r) => `${r.backend}/${r.type}`)).toEqual(['live/relay', 'live/ssh-reverse']);
    expect(plan.failed.map((r) => r.backend)).toEqual(['broken']);
    expect(plan.orphaned.map((r) => r.backend)).toEqual(['gone']);
    expect(plan.expired.map((r) => r.backend)).toEqual(['late']);
    // An orphan is forgotten even if it had failed or expired: its backend is what decides.
    expect(planRestore([rec('gone', { failed: { reason: 'auth-failed', at: 'x' } })], () => false, now).orphaned).toHaveLength(1);
    expect(withoutRecord(records, 'live', 'relay').map((r) => `${r.backend}/${r.type}`)).not.toContain('live/relay');
  });
});

describe('armExpiry', () => {
  it('fires at the time however far away, re-arming in steps setTimeout can hold, and can be cancelled', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const due = vi.fn();
      armExpiry(MAX_TIMER_MS * 2 + 1_000, due);
      vi.advanceTimersByTime(MAX_TIMER_MS * 2);
      expect(due).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1_000);
      expect(due).toHaveBeenCalledTimes(1);
      const cancelled = vi.fn();
      const cancel = armExpiry(5_000, cancelled);
      cancel();
      vi.advanceTimersByTime(10_000);
      expect(cancelled).not.toHaveBeenCalled();
      const past = vi.fn();
      armExpiry(-1, past);
      vi.advanceTimersByTime(0);
      expect(past).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('verifyExposureUrl (a real registry, real backends on loopback)', () => {
  let app: Awaited<ReturnType<typeof startHttpBackend>>;
  let other: http.Server;
  let otherPort = 0;
  beforeAll(async () => {
    app = await startHttpBackend('the-app');
    other = http.createServer((_req, res) => res.end('<html>someone else</html>'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherPort = (other.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await new Promise((r) => other.close(r));
  });
  const run = (url: string, extra: { stale?: () => boolean; signal?: AbortSignal } = {}) =>
    verifyExposureUrl({
      registry: createRegistry({ providers: [] }),
      backend: Backend.parse({ name: 'app', port: app.port }),
      providerId: 'relay',
      type: 'relay',
      url,
      signal: extra.signal ?? new AbortController().signal,
      windowMs: 300,
      intervalMs: 100,
      stale: extra.stale ?? (() => false),
    });
  it('is verified when the URL reaches this backend', async () => {
    expect(await run(`http://127.0.0.1:${app.port}/`)).toMatchObject({ ok: true, endpoint: { status: 'verified' } });
  });
  it('fails after the window with the verifier’s reason and hint when another server answers', async () => {
    const verdict = await run(`http://127.0.0.1:${otherPort}/`);
    expect(verdict).toMatchObject({ ok: false, reason: 'identity-mismatch', hint: expect.stringMatching(/Another server answers/) });
  });
  it('reports nothing when a newer URL replaced it', async () => {
    expect(await run(`http://127.0.0.1:${otherPort}/`, { stale: () => true })).toEqual({ ok: null });
  });
});
