import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_BIN, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { inNamespace, type RunningBackend, runEndpoints, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

// Issue 10.5: the quick start pasted as a script works — `endpoints daemon start` returns once
// the daemon answers, and commands meeting a daemon that is still starting wait for it.
describe.skipIf(unavailable)('endpoints daemon start | stop | status', () => {
  let ns: string;
  let backend: RunningBackend;
  const home = tempHome();
  const env = {
    ENDPOINTD_HOME: home,
    ENDPOINTD_TAILSCALE_BIN: '/nonexistent/tailscale',
    ENDPOINTD_CLOUDFLARED_BIN: '/nonexistent/cloudflared',
    ENDPOINTD_SSH_BIN: '/nonexistent/ssh',
    ENDPOINTD_SSHD_BIN: '/nonexistent/sshd',
  };
  const cli = (args: string[]) => runEndpoints(ns, args, env);
  const daemonPid = () => (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number }).pid;

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('life')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'life']);
  });
  afterAll(async () => {
    await cli(['daemon', 'stop']);
    await backend?.stop();
    await deleteNamespace(ns);
  });

  it('says which home it looked in when no daemon ever ran there', async () => {
    const r = await cli(['backends', 'list']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`there is no token in ${home}`);
    expect((await cli(['daemon', 'status'])).exitCode).toBe(1);
  });

  it('starts in the background and returns once the daemon answers: the next command works at once', async () => {
    const started = await cli(['daemon', 'start', '--listen', '127.0.0.1:0', '--backend', `app=${backend.port}`]);
    expect(started.exitCode).toBe(0);
    expect(started.stdout).toMatch(/^endpointd is running at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\); log: .*daemon\.log$/);
    const list = await cli(['list', '--json']);
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(String(list.stdout))).toMatchObject({ backend: 'app' });
    const status = await cli(['daemon', 'status']);
    expect(status).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/is running at .* backends: app$/) });
    expect(await cli(['daemon', 'start'])).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/already running/) });
  });

  it('stops it and waits until it has exited', async () => {
    const pid = daemonPid();
    const stopped = await cli(['daemon', 'stop']);
    expect(stopped).toMatchObject({ exitCode: 0, stdout: `endpointd (pid ${pid}) stopped` });
    expect(isProcessAlive(pid)).toBe(false);
    expect(await cli(['daemon', 'status'])).toMatchObject({ exitCode: 1, stdout: expect.stringMatching(/not running/) });
    expect(await cli(['daemon', 'stop'])).toMatchObject({ exitCode: 0, stdout: 'endpointd is not running' });
  });

  it('reports a daemon that cannot start, with its own words, and exit 2 for its usage errors', async () => {
    const r = await cli(['daemon', 'start', '--bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/endpointd exited \(code 2\)/);
    expect((await cli(['daemon', 'restart'])).exitCode).toBe(2);
  });

  it('lets a command that meets a daemon still starting wait for it instead of failing', async () => {
    // endpointd started by hand, and the command run right away, before it answers.
    const [cmd, argv] = inNamespace(ns, process.execPath, [DAEMON_BIN, '--listen', '127.0.0.1:0', '--backend', `app=${backend.port}`]);
    const daemon = execa(cmd, argv, { reject: false, env });
    try {
      const deadline = Date.now() + 5_000;
      while (!existsSync(join(home, 'daemon.lock')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const list = await cli(['list', '--json']);
      expect(list.exitCode).toBe(0);
    } finally {
      daemon.kill('SIGTERM');
      await daemon;
    }
  });
});
