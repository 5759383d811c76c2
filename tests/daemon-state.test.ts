import { chmodSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonState, DefaultResolution, Health } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_BIN, request, requestOne, startDaemon, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { inNamespace, type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('daemon state in $ENDPOINTD_HOME', () => {
  let ns: string;
  let backend: RunningBackend;
  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('state')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'state']);
  });
  afterAll(async () => {
    await backend?.stop();
    await deleteNamespace(ns);
  });

  it('keeps the default type across a restart, as a type and never an address', async () => {
    const home = tempHome();
    const first = await startDaemon(ns, ['--backend', `app=${backend.port}`], { home });
    expect((await requestOne(first, { method: 'PUT', path: '/v1/backends/app/default', body: '{"type":"lan"}' })).status).toBe(200);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(home, 'daemon.json'))).toBe(false);
    expect(existsSync(join(home, 'daemon.lock'))).toBe(false);
    const saved = DaemonState.parse(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')));
    expect(saved.defaults).toEqual({ app: 'lan' });
    const second = await startDaemon(ns, ['--backend', `app=${backend.port}`], { home });
    const d = DefaultResolution.parse((await requestOne(second, { path: '/v1/backends/app/default' })).json());
    expect(d).toMatchObject({ requestedType: 'lan', fallback: true, type: null });
    await second.stop();
  });

  it('moves a corrupt state file aside, starts with defaults and reports it in /v1/health', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'state.json'), '{"version": 1, "backends": [ oops');
    const daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`], { home });
    const health = Health.parse((await requestOne(daemon, { path: '/v1/health', auth: false })).json());
    expect(health.problems).toMatchObject([{ code: 'ENDPOINTD_STATE_UNREADABLE' }]);
    expect(health.problems[0]?.message).toMatch(/not valid JSON/);
    const aside = readdirSync(home).filter((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(home, aside[0] ?? ''), 'utf8')).toBe('{"version": 1, "backends": [ oops');
    expect((await requestOne(daemon, { path: '/v1/backends' })).status).toBe(200);
    await daemon.stop();
  });

  it('reports a state file that is JSON but not a valid state, by field', async () => {
    const home = tempHome();
    writeFileSync(
      join(home, 'state.json'),
      JSON.stringify({ version: 1, backends: [], defaults: { app: 'carrier-pigeon' }, exposures: [] }),
    );
    const daemon = await startDaemon(ns, [], { home });
    const health = Health.parse((await requestOne(daemon, { path: '/v1/health', auth: false })).json());
    expect(health.problems[0]?.message).toMatch(/does not match the state schema: defaults\.app/);
    await daemon.stop();
  });

  it('leaves a valid state file when killed with SIGKILL during a flood of default changes', async () => {
    const home = tempHome();
    const daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`], { home });
    await requestOne(daemon, { method: 'PUT', path: '/v1/backends/app/default', body: '{"type":"lan"}' });
    const types = ['lan', 'custom', 'tailscale-ip', 'loopback', 'cloudflare-quick'];
    const flood = request(
      daemon,
      Array.from({ length: 2_000 }, (_, i) => ({
        method: 'PUT',
        path: '/v1/backends/app/default',
        body: JSON.stringify({ type: types[i % types.length] }),
      })),
    );
    await new Promise((r) => setTimeout(r, 400));
    await daemon.kill9();
    const answered = (await flood).filter((r) => r.status === 200).length;
    expect(answered).toBeGreaterThan(5); // the kill landed mid-flood
    expect(answered).toBeLessThan(2_000);
    const state = DaemonState.parse(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')));
    expect(types).toContain(state.defaults.app);
    // The next start takes over the dead daemon's lock.
    const again = await startDaemon(ns, ['--backend', `app=${backend.port}`], { home });
    expect(Health.parse((await requestOne(again, { path: '/v1/health', auth: false })).json()).problems).toEqual([]);
    await again.stop();
  });

  it('refuses to run a second daemon on the same home, with a clear message', async () => {
    const home = tempHome();
    const daemon = await startDaemon(ns, [], { home });
    const [cmd, argv] = inNamespace(ns, process.execPath, [DAEMON_BIN, '--listen', '127.0.0.1:0']);
    const second = await execa(cmd, argv, { reject: false, env: { ENDPOINTD_HOME: home }, timeout: 15_000 });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`another endpointd \\(pid \\d+\\) is already running with ENDPOINTD_HOME=${home}`));
    expect(second.stderr).not.toMatch(/\n\s+at /);
    await daemon.stop();
  });

  it('refuses to start on a home others can write to, or with a symlinked token, saying why (issue 9.7)', async () => {
    const open = tempHome();
    chmodSync(open, 0o777);
    const a = await execa(process.execPath, [DAEMON_BIN, '--listen', '127.0.0.1:0'], {
      reject: false,
      env: { ENDPOINTD_HOME: open },
      timeout: 15_000,
    });
    expect(a.exitCode).toBe(1);
    expect(a.stderr).toMatch(/refusing to start: .* is writable by every user.*chmod 700/);
    const linked = tempHome();
    const victim = join(tempHome(), 'victim');
    writeFileSync(victim, 'not a token\n');
    symlinkSync(victim, join(linked, 'token'));
    const b = await execa(process.execPath, [DAEMON_BIN, '--listen', '127.0.0.1:0'], {
      reject: false,
      env: { ENDPOINTD_HOME: linked },
      timeout: 15_000,
    });
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toMatch(/token is a symbolic link/);
    expect(b.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(victim, 'utf8')).toBe('not a token\n');
  });

  it('rejects a bad config file and a non-loopback listen address with exit 2', async () => {
    const home = tempHome();
    const config = join(home, 'config.json');
    writeFileSync(config, JSON.stringify({ backends: [{ name: 'x', port: 'eighty' }], colour: 'blue' }));
    const bad = await execa(process.execPath, [DAEMON_BIN, '--config', config], { reject: false, env: { ENDPOINTD_HOME: home } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/backends\.0\.port: must be a number \(not a string\)/);
    const open = await execa(process.execPath, [DAEMON_BIN, '--listen', '0.0.0.0:4737'], { reject: false, env: { ENDPOINTD_HOME: home } });
    expect(open.exitCode).toBe(2);
    expect(open.stderr).toMatch(/refusing to listen on 0\.0\.0\.0.*--allow-non-loopback/);
  });
});
