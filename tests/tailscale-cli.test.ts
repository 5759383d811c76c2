import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '@endpointd/core';
import {
  createTailscaleProvider,
  parseStatus,
  runTailscale,
  stateReason,
  TailscaleCliError,
  type TailscaleReason,
} from '@endpointd/provider-tailscale';
import { describe, expect, it } from 'vitest';
import { FAKES_DIR } from './helpers/fake-tailscale.js';

const FAKE = `${FAKES_DIR}/tailscale`;

function scenario(name: string): string {
  const state = mkdtempSync(join(tmpdir(), 'fake-ts-cli-'));
  writeFileSync(join(state, 'scenario'), name);
  process.env.FAKE_TAILSCALE_STATE = state;
  return state;
}

async function reasonOf(args: string[], timeoutMs?: number): Promise<TailscaleReason | 'ok'> {
  try {
    await runTailscale(FAKE, args, timeoutMs ? { timeoutMs } : {});
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(TailscaleCliError);
    return (err as TailscaleCliError).reason;
  }
}

// The fake is a real executable: these run the adapter exactly as in production.
describe('tailscale CLI adapter against the fake', () => {
  it.each([
    ['daemon-down', ['status', '--json', '--peers=false'], 'not-running'],
    ['no-https', ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'https-not-enabled'],
    ['no-funnel', ['funnel', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'funnel-not-available'],
    ['running', ['funnel', '--bg', '--yes', '--https=8080', 'http://127.0.0.1:3000'], 'funnel-port-not-allowed'],
    ['access-denied', ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'access-denied'],
    ['port-tcp', ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'port-in-use'],
    ['conflict', ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'config-conflict'],
  ] as const)('scenario %s: %j fails as %s', async (name, args, reason) => {
    scenario(name);
    expect(await reasonOf([...args])).toBe(reason);
  });

  it('reports a missing binary as not-installed', async () => {
    await expect(runTailscale('/nonexistent/tailscale', ['version'])).rejects.toMatchObject({
      reason: 'not-installed',
      hint: expect.stringMatching(/install Tailscale/),
    });
  });

  it('times a slow CLI out', async () => {
    scenario('slow');
    const started = performance.now();
    expect(await reasonOf(['status', '--json'], 300)).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('reads logged-out, machine-auth and stopped states from status', async () => {
    for (const [name, reason] of [
      ['logged-out', 'logged-out'],
      ['needs-machine-auth', 'needs-machine-auth'],
      ['stopped', 'stopped'],
    ] as const) {
      scenario(name);
      const { stdout } = await runTailscale(FAKE, ['status', '--json', '--peers=false']);
      expect(stateReason(parseStatus(stdout).backendState)).toBe(reason);
    }
  });

  it('reports output it cannot parse as bad-output', async () => {
    scenario('garbage');
    const provider = createTailscaleProvider({ bin: FAKE });
    const result = await provider.discover({
      backend: Backend.parse({ name: 'a', port: 3000 }),
      scheme: 'http',
      listen: null,
      signal: new AbortController().signal,
      fresh: true,
    });
    expect(result.unavailable).toMatchObject({ reason: 'bad-output' });
  });

  it('never copies stderr, which can hold secrets, into the error', async () => {
    scenario('access-denied');
    const err = await runTailscale(FAKE, ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleCliError);
    const seen = new Set<unknown>();
    const walk = (v: unknown): string => {
      if (v === null || typeof v !== 'object') return String(v);
      if (seen.has(v)) return '';
      seen.add(v);
      return Object.getOwnPropertyNames(v)
        .map((k) => `${k}=${walk((v as Record<string, unknown>)[k])}`)
        .join(' ');
    };
    const everything = walk(err);
    expect(everything).toMatch(/access-denied/);
    expect(everything).not.toMatch(/tskey|SECRETvalue|AuthKey/);
    expect((err as TailscaleCliError).stderrLength).toBeGreaterThan(40);
  });

  it('keeps CLI calls off the request path: cached answers, and a long backoff while tailscaled is down', async () => {
    const state = scenario('daemon-down');
    const provider = createTailscaleProvider({ bin: FAKE, absentRecheckMs: 60_000 });
    const ctx = {
      backend: Backend.parse({ name: 'a', port: 3000 }),
      scheme: 'http' as const,
      listen: null,
      signal: new AbortController().signal,
      fresh: false,
    };
    for (let i = 0; i < 10; i++) expect((await provider.discover(ctx)).unavailable?.reason).toBe('not-running');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(state, 'invocations.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
