import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointList } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { inNamespace, REPO_ROOT, type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

// Issue 10.1: installed as a user would, from the tarball into an empty prefix, with only the
// npm registry (and its cache) to fetch from: no workspace package needed.
describe.skipIf(unavailable)('the endpointd package, packed and installed with npm install -g --prefix', () => {
  const work = mkdtempSync(join(tmpdir(), 'endpointd-pack-'));
  const prefix = join(work, 'prefix');
  const installed = join(prefix, 'lib/node_modules/endpointd');
  const bin = (name: string) => join(prefix, 'bin', name);
  let ns: string;
  let backend: RunningBackend;
  let installLog = '';
  const env = {
    ENDPOINTD_HOME: join(work, 'home'),
    ENDPOINTD_TAILSCALE_BIN: '/nonexistent/tailscale',
    ENDPOINTD_CLOUDFLARED_BIN: '/nonexistent/cloudflared',
    ENDPOINTD_SSH_BIN: '/nonexistent/ssh',
    ENDPOINTD_SSHD_BIN: '/nonexistent/sshd',
    NO_COLOR: '1',
  };
  const run = async (args: string[]) => {
    const [cmd, argv] = inNamespace(ns, bin('endpoints'), args);
    return await execa(cmd, argv, { reject: false, env, timeout: 30_000 });
  };

  beforeAll(async () => {
    const pack = await execa('npm', ['pack', '-w', 'apps/daemon', '--pack-destination', work, '--json'], { cwd: REPO_ROOT });
    const filename = (JSON.parse(String(pack.stdout)) as Array<{ filename: string }>)[0]?.filename ?? '';
    const install = await execa(
      'npm',
      ['install', '-g', '--prefix', prefix, join(work, filename), '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: work, all: true, timeout: 240_000 },
    );
    installLog = String(install.all);
    ns = await addNamespace(`epd-${tag('pkg')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'pkg']);
  }, 300_000);
  afterAll(async () => {
    if (ns) {
      await run(['daemon', 'stop']);
      await backend?.stop();
      await deleteNamespace(ns);
    }
  });

  it('declares no workspace package and ships README, LICENSE and the client’s type declarations', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@endpointd/'))).toEqual([]);
    for (const f of ['README.md', 'LICENSE', 'dist/types/apps/daemon/src/client/index.d.ts', 'dist/client.js'])
      expect(existsSync(join(installed, f))).toBe(true);
    if (NODE_MAJOR >= 22) expect(installLog).not.toMatch(/EBADENGINE/); // the supported range installs cleanly
  });

  it('runs endpoints --version and a one-shot list from the installed bin', async () => {
    expect(await run(['--version'])).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^endpoints \d+\.\d+\.\d+$/) });
    const list = await run(['list', '--port', String(backend.port), '--json']);
    expect(list.exitCode).toBe(0);
    const parsed = EndpointList.parse(JSON.parse(String(list.stdout)));
    expect(parsed.endpoints.find((e) => e.type === 'loopback' && e.family === 'ipv4')).toMatchObject({ status: 'verified' });
  });

  it('runs the daemon from the installed package', async () => {
    const started = await run(['daemon', 'start', '--listen', '127.0.0.1:0', '--backend', `app=${backend.port}`]);
    expect(started.exitCode, String(started.stderr)).toBe(0);
    const list = await run(['list', '--json']);
    expect(EndpointList.parse(JSON.parse(String(list.stdout)))).toMatchObject({ backend: 'app' });
    expect(await run(['daemon', 'stop'])).toMatchObject({ exitCode: 0 });
  });
});
