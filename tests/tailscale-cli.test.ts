import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '@endpointd/core';
import {
  createTailscaleCli,
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

const discoverCtx = (fresh: boolean) => ({
  backend: Backend.parse({ name: 'a', port: 3000 }),
  scheme: 'http' as const,
  listen: null,
  signal: new AbortController().signal,
  fresh,
});

// The fake's state folder reaches it through the adapter's env option: process.env is never changed.
let env: NodeJS.ProcessEnv = { ...process.env };
function scenario(name: string, files: Record<string, string> = {}): string {
  const state = mkdtempSync(join(tmpdir(), 'fake-ts-cli-'));
  writeFileSync(join(state, 'scenario'), name);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(state, file), text);
  env = { ...process.env, FAKE_TAILSCALE_STATE: state };
  return state;
}

async function reasonOf(args: string[], timeoutMs?: number): Promise<TailscaleReason | 'ok'> {
  try {
    await runTailscale(FAKE, args, timeoutMs ? { timeoutMs } : {}, env);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(TailscaleCliError);
    return (err as TailscaleCliError).reason;
  }
}

// The fake is a real executable: these run the adapter exactly as in production.
describe('tailscale CLI adapter against the fake', () => {
  const NAME = 'devbox.tail911da.ts.net';
  const serveJson = (config: unknown) => ({ 'serve.json': JSON.stringify(config) });
  const serve443 = ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'];
  it.each([
    ['daemon-down', {}, ['status', '--json', '--peers=false'], 'tailscaled-not-running'],
    ['no-https', {}, serve443, 'https-not-enabled'],
    ['no-funnel', {}, ['funnel', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], 'funnel-not-available'],
    // funnel.go checks port 443 whatever --https says: with funnel-ports=8443 every funnel call fails.
    [
      'running',
      { 'funnel-ports': '8443' },
      ['funnel', '--bg', '--yes', '--https=8443', 'http://127.0.0.1:3000'],
      'funnel-port-not-allowed',
    ],
    ['access-denied', {}, serve443, 'serve-access-denied'],
    // serve_v2.go applyWebServe: "cannot serve web; already serving TCP".
    ['running', serveJson({ TCP: { 443: { TCPForward: '127.0.0.1:5432' } } }), serve443, 'serve-port-in-use'],
    // ipnlocal/serve.go validateServeConfigUpdate: "foreground listener already exists for port 443".
    [
      'running',
      serveJson({
        Foreground: {
          s1: { TCP: { 443: { HTTPS: true } }, Web: { [`${NAME}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:4000' } } } } },
        },
      }),
      serve443,
      'serve-port-in-use',
    ],
    // …and "want to serve "https", but port 443 is already serving "http"".
    [
      'running',
      serveJson({ TCP: { 443: { HTTP: true } }, Web: { [`${NAME}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:4000' } } } } }),
      serve443,
      'serve-port-in-use',
    ],
    ['conflict', {}, serve443, 'serve-config-conflict'],
  ] as const)('scenario %s %j: %j fails as %s', async (name, files, args, reason) => {
    scenario(name, files);
    expect(await reasonOf([...args])).toBe(reason);
  });

  it('reports a missing binary as not-installed', async () => {
    await expect(runTailscale('/nonexistent/tailscale', ['version'])).rejects.toMatchObject({
      reason: 'not-installed',
      hint: expect.stringMatching(/install it \(tailscale\.com\/download\)/),
    });
  });

  it('times a slow CLI out', async () => {
    scenario('slow');
    const started = performance.now();
    expect(await reasonOf(['status', '--json'], 300)).toBe('tool-timed-out');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('reads logged-out, machine-auth, stopped and starting states from status', async () => {
    for (const [name, reason] of [
      ['starting', 'tailscale-starting'], // ipn/backend.go: Starting is a running tailscaled still connecting
      ['logged-out', 'logged-out'],
      ['needs-machine-auth', 'needs-machine-auth'],
      ['stopped', 'tailscale-stopped'],
    ] as const) {
      scenario(name);
      const { stdout } = await runTailscale(FAKE, ['status', '--json', '--peers=false'], {}, env);
      expect(stateReason(parseStatus(stdout).backendState)).toBe(reason);
    }
  });

  it('reports output it cannot parse as bad-output', async () => {
    scenario('garbage');
    const provider = createTailscaleProvider({ bin: FAKE }, { env });
    const result = await provider.discover(discoverCtx(true));
    expect(result.unavailable).toMatchObject({ reason: 'bad-output' });
  });

  it('never copies stderr, which can hold secrets, into the error', async () => {
    scenario('access-denied');
    const err = await runTailscale(FAKE, ['serve', '--bg', '--yes', '--https=443', 'http://127.0.0.1:3000'], {}, env).catch(
      (e: unknown) => e,
    );
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
    expect(everything).toMatch(/serve-access-denied/);
    expect(everything).not.toMatch(/tskey|SECRETvalue|AuthKey/);
    expect((err as TailscaleCliError).stderrLength).toBeGreaterThan(40);
  });

  it('keeps CLI calls off the request path: cached answers, and a long backoff while tailscaled is down', async () => {
    const state = scenario('daemon-down');
    const provider = createTailscaleProvider({ bin: FAKE, absentRecheckMs: 60_000 }, { env });
    const ctx = discoverCtx(false);
    for (let i = 0; i < 10; i++) expect((await provider.discover(ctx)).unavailable?.reason).toBe('tailscaled-not-running');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(state, 'invocations.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('shares one `tailscale status` among callers who ask at once (the provider, and the SSH provider asking for the MagicDNS name)', async () => {
    const state = scenario('running');
    const provider = createTailscaleProvider({ bin: FAKE }, { env });
    const ctx = discoverCtx(false);
    const [listed, name, health] = await Promise.all([provider.discover(ctx), provider.magicDnsName(), provider.health?.(ctx.signal)]);
    expect(listed.unavailable).toBeUndefined();
    expect(name).toMatch(/\.ts\.net$/);
    expect(health).toMatchObject({ available: true });
    const { readFileSync } = await import('node:fs');
    const calls = readFileSync(join(state, 'invocations.log'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => JSON.parse(c)[0] === 'status')).toHaveLength(1);
  });

  it('a refresh does not join a read that began before it (it must see the caller’s own change)', async () => {
    const state = scenario('running');
    const cli = createTailscaleCli({ bin: FAKE, env, cacheTtlMs: 5_000, absentRecheckMs: 60_000 });
    await Promise.all([cli.readServe(), cli.readServe(true)]);
    const { readFileSync } = await import('node:fs');
    const calls = readFileSync(join(state, 'invocations.log'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => JSON.parse(c).slice(0, 2).join(' ') === 'serve status')).toHaveLength(2);
  });
});
