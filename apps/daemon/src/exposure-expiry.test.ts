import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exposure, Provider } from '@endpointd/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessDaemon, nextDaemonEvent, startHttpBackend, startInProcess, staticBackend, tempHome } from './testing/in-process.js';

/** A provider whose "tunnel" is the backend's own loopback URL: real verification, no tool. */
function loopbackTunnel(port: number, log: string[]): Provider {
  return {
    id: 'test-tunnel',
    types: ['relay'],
    exposureTypes: ['relay'],
    discover: async () => ({ candidates: [] }),
    async expose(ctx) {
      log.push('start');
      ctx.update({ state: 'active', url: `http://127.0.0.1:${port}/` });
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push('stop');
    },
  };
}

const nextExposure = (d: InProcessDaemon, ok: (x: Exposure) => boolean, withinMs: number) => nextDaemonEvent(d, 'exposure', ok, withinMs);

describe('an exposure enabled for a limited time is stopped by the daemon (issue 12.4)', () => {
  let d: InProcessDaemon | undefined;
  afterEach(async () => {
    await d?.close();
    d = undefined;
  });

  it('stops it when the time is up, says "expired", and forgets it', async () => {
    const backend = await startHttpBackend('exp');
    const log: string[] = [];
    d = await startInProcess({ backends: [staticBackend('app', backend.port)], providers: [loopbackTunnel(backend.port, log)] });
    const active = nextExposure(d, (x) => x.state === 'active', 5_000);
    const r = await d.call('POST', '/v1/backends/app/exposures', { type: 'relay', expiresInMs: 1_500 });
    expect(r.statusCode).toBe(202);
    const enabledAt = Date.now();
    expect(Date.parse(r.json().expiresAt) - enabledAt).toBeGreaterThan(1_000);
    expect((await active).expiresAt).toBe(r.json().expiresAt);
    const stopped = await nextExposure(d, (x) => x.state === 'stopped', 5_000);
    expect(stopped).toMatchObject({ reason: 'expired', hint: expect.stringMatching(/limited time/) });
    // Not before its time (a timer may fire a millisecond early; the clock's own resolution).
    expect(Date.parse(stopped.updatedAt)).toBeGreaterThanOrEqual(Date.parse(r.json().expiresAt) - 20);
    expect(log).toEqual(['start', 'stop']);
    const state = JSON.parse(readFileSync(join(d.home, 'state.json'), 'utf8'));
    expect(state.exposures ?? []).toEqual([]);
    await backend.close();
  });

  it('keeps the expiry across a restart, and does not start one whose time ran out while the daemon was down', async () => {
    const backend = await startHttpBackend('exp2');
    const home = tempHome();
    const log: string[] = [];
    d = await startInProcess({ home, backends: [staticBackend('app', backend.port)], providers: [loopbackTunnel(backend.port, log)] });
    const r = await d.call('POST', '/v1/backends/app/exposures', { type: 'relay', expiresInMs: 60_000 });
    await d.close();
    d = await startInProcess({ home, backends: [staticBackend('app', backend.port)], providers: [loopbackTunnel(backend.port, log)] });
    const restored = (await d.call('GET', '/v1/backends/app/exposures')).json().exposures[0] as Exposure;
    expect(restored.expiresAt).toBe(r.json().expiresAt);
    await d.close();
    // The saved time is now in the past, as if the daemon had been down for longer.
    const file = join(home, 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state.exposures[0].expiresAt = new Date(Date.now() - 1_000).toISOString();
    writeFileSync(file, JSON.stringify(state));
    log.length = 0;
    d = await startInProcess({ home, backends: [staticBackend('app', backend.port)], providers: [loopbackTunnel(backend.port, log)] });
    expect((await d.call('GET', '/v1/backends/app/exposures')).json().exposures).toEqual([]);
    expect(log).toEqual([]);
    await backend.close();
  });

  it('refuses an expiry under a second or over 30 days, field by field', async () => {
    d = await startInProcess({ backends: [staticBackend('app', 3000)], providers: [loopbackTunnel(3000, [])] });
    const r = await d.call('POST', '/v1/backends/app/exposures', { type: 'relay', expiresInMs: 10 });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/expiresInMs: must be at least 1000/);
  });
});
