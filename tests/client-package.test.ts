import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, startDaemon } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { inNamespace, REPO_ROOT, type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason(['chromium']);
const PAGE_PORT = 8741;
const ORIGIN = `http://127.0.0.1:${PAGE_PORT}`;

// Issue 10.2: @endpointd/client as a GUI project gets it — packed, installed, imported from
// TypeScript compiled with tsc (its types resolve), run against a real daemon; and loaded in a
// real Chromium page on another origin, reading a list.
describe.skipIf(unavailable)('@endpointd/client, packed and used by a TypeScript project and by a page in Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'endpointd-client-'));
  const project = join(work, 'gui');
  let ns: string;
  let backend: RunningBackend;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const pack = await execa('npm', ['pack', '-w', 'packages/client', '--pack-destination', work, '--json'], { cwd: REPO_ROOT });
    const filename = (JSON.parse(String(pack.stdout)) as Array<{ filename: string }>)[0]?.filename ?? '';
    await execa('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'gui', private: true, type: 'module' }));
    await execa('npm', ['install', join(work, filename), '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: project,
      timeout: 180_000,
    });
    ns = await addNamespace(`epd-${tag('client')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'gui']);
    daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`, '--allow-origin', ORIGIN]);
  }, 240_000);
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    if (ns) await deleteNamespace(ns);
  });

  it('has no Node-only import on its main entry', () => {
    const main = readFileSync(join(project, 'node_modules/@endpointd/client/dist/index.js'), 'utf8');
    expect(main).not.toMatch(/from\s*["']node:|require\(["']node:|from\s*["'](http|fs|net|os|child_process)["']/);
  });

  it('compiles a strict TypeScript program against its declarations, which runs against the daemon', async () => {
    writeFileSync(
      join(project, 'main.ts'),
      `import { createEndpointdClient, EndpointList, type DaemonEvent } from '@endpointd/client';
const client = createEndpointdClient({ baseUrl: process.env.URL ?? '', token: process.env.TOKEN ?? '' });
const list: EndpointList = await client.endpoints('app', { refresh: true });
const verified: number = list.endpoints.filter((e) => e.status === 'verified').length;
const first: DaemonEvent | undefined = (await client.events({ backend: 'app' }).next()).value ?? undefined;
console.log(JSON.stringify({ backend: list.backend, verified, first: first?.event }));
process.exit(0);
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          lib: ['es2023', 'dom'],
          types: [],
          outDir: 'out',
        },
        files: ['main.ts'],
      }),
    );
    const tsc = await execa(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
      reject: false,
      all: true,
    });
    expect(tsc.exitCode, String(tsc.all)).toBe(0);
    const [cmd, argv] = inNamespace(ns, process.execPath, [join(project, 'out/main.js')]);
    const run = await execa(cmd, argv, { env: { URL: daemon.url, TOKEN: daemon.token }, timeout: 30_000 });
    expect(JSON.parse(String(run.stdout))).toMatchObject({ backend: 'app', verified: expect.any(Number), first: 'snapshot' });
    expect((JSON.parse(String(run.stdout)) as { verified: number }).verified).toBeGreaterThan(0);
  });

  it('runs in a Chromium page on another origin and reads the list', async () => {
    // The page's script: the installed package bundled for the browser (zod included), as a GUI's bundler would.
    const bundle = await build({
      stdin: {
        contents: `import { createEndpointdClient } from '@endpointd/client';
const [base, token] = decodeURIComponent(location.hash.slice(1)).split(' ');
createEndpointdClient({ baseUrl: base, token }).endpoints('app').then(
  (l) => { document.title = 'ok ' + l.backend + ' ' + l.endpoints.filter((e) => e.status === 'verified').length; },
  (e) => { document.title = 'error ' + e.message; });`,
        resolveDir: project,
      },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    });
    const script = bundle.outputFiles[0]?.text ?? '';
    const html = '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/app.js"></script>';
    const site = join(work, 'site');
    await execa('mkdir', ['-p', site]);
    writeFileSync(join(site, 'index.html'), html);
    writeFileSync(join(site, 'app.js'), script);
    // The page's server and the browser both run inside the namespace, next to the daemon.
    const server = join(work, 'serve.mjs');
    writeFileSync(
      server,
      `import http from 'node:http'; import { readFileSync } from 'node:fs';
http.createServer((q, r) => { const f = q.url === '/app.js' ? 'app.js' : 'index.html';
  r.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' }); r.end(readFileSync('${site}/' + f)); })
  .listen(${PAGE_PORT}, '127.0.0.1', () => console.log('ready'));`,
    );
    const [scmd, sargv] = inNamespace(ns, process.execPath, [server]);
    const pageServer = execa(scmd, sargv, { reject: false, buffer: false });
    await new Promise<void>((resolve) => pageServer.stdout?.once('data', () => resolve()));
    const wrapper = join(work, 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({ executablePath: wrapper, args: ['--no-sandbox', '--headless=new'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${ORIGIN}/#${encodeURIComponent(`${daemon.url} ${daemon.token}`)}`);
      await page.waitForFunction('document.title !== "loading"', undefined, { timeout: 15_000 });
      expect(await page.title()).toMatch(/^ok app [1-9]\d*$/);
    } finally {
      await browser.close();
      pageServer.kill('SIGTERM');
    }
  });
});
