import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BackendRemoval,
  DaemonState,
  EndpointList,
  type ExposeContext,
  Exposure,
  Health,
  isProcessAlive,
  type Provider,
} from '@endpointd/core';
import { createCloudflareProvider } from '@endpointd/provider-cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { startHttpBackend, startInProcess, staticBackend, tempHome } from './testing/in-process.js';

let backend: Awaited<ReturnType<typeof startHttpBackend>>;
beforeAll(async () => {
  backend = await startHttpBackend('trust');
});
afterAll(async () => {
  await backend.close();
});

/** A provider whose exposure is a real child process, stopped on abort: what cloudflared or ssh -R are to their providers. */
function childProvider(pids: number[]): Provider {
  return {
    id: 'child',
    types: ['cloudflare-quick'],
    exposureTypes: ['cloudflare-quick'],
    async discover() {
      return { candidates: [] };
    },
    async expose(ctx: ExposeContext) {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      if (child.pid) pids.push(child.pid);
      ctx.update({ state: 'starting' });
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('every acknowledged write is kept (issue 9.1)', () => {
  it('keeps 50 concurrent POSTs and 10 concurrent PUTs across a restart, and nothing else', async () => {
    const home = tempHome();
    const statics = Array.from({ length: 10 }, (_, i) => staticBackend(`s${i}`, backend.port, 'flag'));
    const d = await startInProcess({ home, backends: statics });
    const types = ['lan', 'custom', 'tailscale-ip', 'loopback', 'cloudflare-quick'];
    const answers = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => d.call('POST', '/v1/backends', { name: `b${i}`, port: backend.port })),
      ...Array.from({ length: 10 }, (_, i) => d.call('PUT', `/v1/backends/s${i}/default`, { type: types[i % types.length] })),
    ]);
    expect(answers.slice(0, 50).map((a) => a.statusCode)).toEqual(Array(50).fill(201));
    expect(answers.slice(50).map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    await d.close();

    const saved = DaemonState.parse(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')));
    expect(saved.backends.map((b) => b.name).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`).sort());
    const again = await startInProcess({ home, backends: statics });
    const listed = z.object({ backends: z.array(z.object({ name: z.string() })) }).parse((await again.call('GET', '/v1/backends')).json());
    expect(listed.backends).toHaveLength(60);
    for (let i = 0; i < 10; i++) {
      const def = (await again.call('GET', `/v1/backends/s${i}/default`)).json() as { requestedType: string };
      expect(def.requestedType).toBe(types[i % types.length]);
    }
    await again.close();
  });

  it('answers one 201 and 409s when the same name is posted concurrently', async () => {
    const d = await startInProcess();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => d.call('POST', '/v1/backends', { name: 'same', port: backend.port })),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([201, ...Array(9).fill(409)]);
    expect(answers.find((a) => a.statusCode === 409)?.json()).toMatchObject({ code: 'ENDPOINTD_BACKEND_EXISTS' });
    await d.close();
  });

  it('caps the number of backends with a clear 409 (issue 9.8)', async () => {
    const d = await startInProcess({ maxBackends: 3 });
    for (const name of ['a', 'b', 'c']) expect((await d.call('POST', '/v1/backends', { name, port: backend.port })).statusCode).toBe(201);
    const over = await d.call('POST', '/v1/backends', { name: 'd', port: backend.port });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'ENDPOINTD_TOO_MANY_BACKENDS', hint: expect.stringMatching(/maxBackends/) });
    await d.close();
  });
});

describe('bounded work (issue 9.8)', () => {
  it('refuses an event-stream subscriber beyond the cap with a 503 and a hint', async () => {
    const d = await startInProcess({ maxSubscribers: 2 });
    const base = await d.listen();
    const headers = { authorization: `Bearer ${d.token}` };
    const controller = new AbortController();
    const open = await Promise.all([1, 2].map(() => fetch(`${base}/v1/events`, { headers, signal: controller.signal })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await fetch(`${base}/v1/events`, { headers });
    expect(third.status).toBe(503);
    expect(await third.json()).toMatchObject({ code: 'ENDPOINTD_TOO_MANY_SUBSCRIBERS', hint: expect.stringMatching(/maxSubscribers/) });
    controller.abort();
    await d.close();
  });
});

describe('an exposure never outlives its backend (issue 9.2)', () => {
  it('stops the exposure’s process when its backend is deleted, and says so; a new backend of that name inherits nothing', async () => {
    const pids: number[] = [];
    const d = await startInProcess({ providers: [childProvider(pids)] });
    expect((await d.call('POST', '/v1/backends', { name: 'app', port: backend.port })).statusCode).toBe(201);
    expect((await d.call('POST', '/v1/backends/app/exposures', { type: 'cloudflare-quick' })).statusCode).toBe(202);
    await expect.poll(() => pids.length, { timeout: 5_000 }).toBe(1);
    const pid = pids[0] as number;
    expect(isProcessAlive(pid)).toBe(true);
    const removed = await d.call('DELETE', '/v1/backends/app');
    expect(removed.statusCode).toBe(200);
    expect(BackendRemoval.parse(removed.json())).toEqual({ backend: 'app', stoppedExposures: ['cloudflare-quick'], failedStops: [] });
    expect(isProcessAlive(pid)).toBe(false);
    expect((await d.call('POST', '/v1/backends', { name: 'app', port: backend.port })).statusCode).toBe(201);
    expect(z.object({ exposures: z.array(Exposure) }).parse((await d.call('GET', '/v1/backends/app/exposures')).json()).exposures).toEqual(
      [],
    );
    expect(DaemonState.parse(JSON.parse(readFileSync(join(d.home, 'state.json'), 'utf8'))).exposures).toEqual([]);
    await d.close();
  });

  it('reports a stop that does not complete instead of swallowing it', async () => {
    const stuck: Provider = {
      id: 'stuck',
      types: ['ssh-reverse'],
      exposureTypes: ['ssh-reverse'],
      discover: async () => ({ candidates: [] }),
      expose: () => new Promise<void>(() => undefined), // never finishes, even when aborted
    };
    const d = await startInProcess({ providers: [stuck], exposureStopTimeoutMs: 200 });
    await d.call('POST', '/v1/backends', { name: 'app', port: backend.port });
    await d.call('POST', '/v1/backends/app/exposures', { type: 'ssh-reverse' });
    const removed = BackendRemoval.parse((await d.call('DELETE', '/v1/backends/app')).json());
    expect(removed.stoppedExposures).toEqual([]);
    expect(removed.failedStops).toEqual([{ type: 'ssh-reverse', error: expect.stringMatching(/did not finish stopping/) }]);
    await d.close();
  });

  it('drops the exposures of a backend removed from the config at the next start, and reports it', async () => {
    const home = tempHome();
    const pids: number[] = [];
    const fromConfig = [staticBackend('cfg', backend.port, 'config')];
    const first = await startInProcess({ home, backends: fromConfig, providers: [childProvider(pids)] });
    await first.call('POST', '/v1/backends/cfg/exposures', { type: 'cloudflare-quick' });
    await expect.poll(() => pids.length, { timeout: 5_000 }).toBe(1);
    await first.close();
    const second = await startInProcess({ home, backends: [], providers: [childProvider(pids)] });
    expect(pids).toHaveLength(1); // not started again
    const health = Health.parse((await second.call('GET', '/v1/health')).json());
    expect(health.problems).toContainEqual(expect.objectContaining({ code: 'ENDPOINTD_EXPOSURE_DROPPED' }));
    expect(DaemonState.parse(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8'))).exposures).toEqual([]);
    await second.close();
  });
});

describe('a probe only ever goes to the candidate it verifies (issue 9.4)', () => {
  it.each([
    ['probePath', '//evil.example/x'],
    ['probePath', '/http://evil.example/'],
    ['probePath', '/a\r\nHost: evil.example'],
    ['probePath', '/a b'],
    ['probePath', '/\\evil.example'],
    ['websocketPath', '//evil.example/ws'],
  ])('refuses %s %j with a 400', async (field, value) => {
    const d = await startInProcess();
    const res = await d.call('POST', '/v1/backends', { name: 'app', port: backend.port, [field]: value });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ENDPOINTD_VALIDATION' });
    await d.close();
  });

  it('refuses a json-field identity path that names another host', async () => {
    const d = await startInProcess();
    const res = await d.call('POST', '/v1/backends', {
      name: 'app',
      port: backend.port,
      identity: { kind: 'json-field', path: '//evil.example/id', field: 'id' },
    });
    expect(res.statusCode).toBe(400);
    await d.close();
  });

  it('drops a backend with a bad path from a state file, keeps the others, and reports it', async () => {
    const home = tempHome();
    writeFileSync(
      join(home, 'state.json'),
      JSON.stringify({
        version: 1,
        backends: [
          { name: 'good', port: backend.port, probePath: '/', identity: { kind: 'fingerprint' }, websocketPath: null, customUrls: [] },
          {
            name: 'evil',
            port: backend.port,
            probePath: '//evil.example/',
            identity: { kind: 'fingerprint' },
            websocketPath: null,
            customUrls: [],
          },
        ],
        defaults: { good: 'lan' },
        exposures: [],
      }),
    );
    const d = await startInProcess({ home });
    const names = z
      .object({ backends: z.array(z.object({ name: z.string() })) })
      .parse((await d.call('GET', '/v1/backends')).json())
      .backends.map((b) => b.name);
    expect(names).toEqual(['good']);
    const health = Health.parse((await d.call('GET', '/v1/health')).json());
    expect(health.problems[0]).toMatchObject({
      code: 'ENDPOINTD_STATE_UNREADABLE',
      message: expect.stringMatching(/probePath.*valid entries were kept/),
    });
    expect((await d.call('GET', '/v1/backends/good/endpoints')).statusCode).toBe(200);
    await d.close();
  });
});

describe('one bad candidate never breaks a list (issue 9.5)', () => {
  it('serves the rest of the list, excludes the bad candidates with why, and shows them in /v1/health', async () => {
    const garbage: Provider = {
      id: 'garbage',
      types: ['custom'],
      discover: async () => ({
        candidates: [
          { type: 'custom', url: 'http://999.1.1.1/', label: 'impossible IP' },
          { type: 'custom', url: 'http://bad name.example/', label: 'space' },
          { type: 'custom', url: `http://127.0.0.1:${backend.port}/`, label: 'fine' },
          'not even an object' as never,
        ],
        excluded: [{ nonsense: true } as never],
      }),
    };
    const d = await startInProcess({ providers: [garbage], backends: [staticBackend('app', backend.port, 'flag')] });
    const res = await d.call('GET', '/v1/backends/app/endpoints?refresh=true');
    expect(res.statusCode).toBe(200);
    const list = EndpointList.parse(res.json());
    expect(list.endpoints.map((e) => e.label)).toEqual(['fine']);
    expect(list.endpoints[0]?.status).toBe('verified');
    expect(list.excluded.filter((e) => e.kind === 'invalid-candidate')).toHaveLength(3);
    expect(list.providers.find((p) => p.id === 'garbage')?.invalid.map((i) => i.url)).toEqual([
      'http://999.1.1.1/',
      'http://bad name.example/',
      '',
    ]);
    const health = Health.parse((await d.call('GET', '/v1/health')).json());
    expect(health.problems).toContainEqual(expect.objectContaining({ code: 'ENDPOINTD_PROVIDER_INVALID_CANDIDATE' }));
    await d.close();
  });
});

describe('secrets stay secret by value (issue 9.9)', () => {
  it('refuses a custom URL with user:password, saying why', async () => {
    const d = await startInProcess();
    const res = await d.call('POST', '/v1/backends', {
      name: 'app',
      port: backend.port,
      customUrls: [{ url: 'https://me:hunter2@proxy.example/' }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/user:password.*shown to every client/);
    await d.close();
  });

  it('never shows the daemon token in an exposure error, whatever the tool printed', async () => {
    let token = '';
    const leaky: Provider = {
      id: 'leaky',
      types: ['ssh-reverse'],
      exposureTypes: ['ssh-reverse'],
      discover: async () => ({ candidates: [] }),
      async expose(ctx) {
        ctx.update({ state: 'failed', reason: 'auth-failed', error: `tool said: bad auth ${token}`, hint: `retry with ${token}` });
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      },
    };
    const d = await startInProcess({ providers: [leaky] });
    token = d.token;
    await d.call('POST', '/v1/backends', { name: 'app', port: backend.port });
    await d.call('POST', '/v1/backends/app/exposures', { type: 'ssh-reverse' });
    await expect.poll(async () => (await d.call('GET', '/v1/backends/app/exposures')).json().exposures[0]?.state).toBe('failed');
    const body = (await d.call('GET', '/v1/backends/app/exposures')).body;
    expect(body).not.toContain(d.token);
    expect(body).toContain('[redacted]');
    await d.close();
  });
});

describe('config files for child tools are serialized from validated options (issue 9.6)', () => {
  it.each([
    [
      {
        credentialsFile: '/tmp/creds.json\ningress:\n  - service: http://evil.example',
        tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef',
        hostname: 'app.example.com',
      },
      /credentialsFile must name an existing regular file/,
    ],
    [
      { credentialsFile: 'relative/creds.json', tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef', hostname: 'app.example.com' },
      /credentialsFile must be an absolute path/,
    ],
    [{ tokenFile: '/tmp' }, /tokenFile must name an existing regular file/],
    [{ credentialsFile: '/etc/hostname', tunnelId: 'not-a-uuid', hostname: 'app.example.com' }, /tunnelId must be the tunnel UUID/],
    [
      { credentialsFile: '/etc/hostname', tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef', hostname: 'app.example.com\nprotocol: http2' },
      /hostname must be a DNS name/,
    ],
  ])('refuses named-tunnel options %j with a 400 and the reason', async (options, why) => {
    const d = await startInProcess({
      providers: [createCloudflareProvider({ bin: '/nonexistent/cloudflared', runDir: join(tempHome(), 'run') })],
      backends: [staticBackend('app', backend.port)],
    });
    const res = await d.call('POST', '/v1/backends/app/exposures', { type: 'cloudflare-named', options });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(why);
    await d.close();
  });
});

describe('failures say what happened (issue 9.10)', () => {
  it('keeps a permanently failed exposure as failed across a restart, without re-applying it, until enabled again', async () => {
    const home = tempHome();
    let calls = 0;
    const missingTool: Provider = {
      id: 'missing',
      types: ['cloudflare-quick'],
      exposureTypes: ['cloudflare-quick'],
      discover: async () => ({ candidates: [] }),
      async expose(ctx) {
        calls++;
        ctx.update({ state: 'failed', reason: 'not-installed', hint: 'install it', error: 'not found', permanent: true });
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      },
    };
    const statics = [staticBackend('app', backend.port, 'flag')];
    const first = await startInProcess({ home, backends: statics, providers: [missingTool] });
    await first.call('POST', '/v1/backends/app/exposures', { type: 'cloudflare-quick' });
    await expect
      .poll(() => DaemonState.parse(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8'))).exposures[0]?.failed?.reason)
      .toBe('not-installed');
    await first.close();
    const second = await startInProcess({ home, backends: statics, providers: [missingTool] });
    expect(calls).toBe(1);
    const [shown] = z
      .object({ exposures: z.array(Exposure) })
      .parse((await second.call('GET', '/v1/backends/app/exposures')).json()).exposures;
    expect(shown).toMatchObject({ state: 'failed', reason: 'not-installed', hint: 'install it' });
    await second.call('POST', '/v1/backends/app/exposures', { type: 'cloudflare-quick' });
    expect(calls).toBe(2);
    await second.close();
  });
});

describe('the API answers in the right process (sanity)', () => {
  it('uses this machine’s real processes: a helper can tell a live pid from a dead one', () => {
    const pid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});
