import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointList } from '@endpointd/core';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { REPO_ROOT, runEndpoints, startUntil } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

// Issue 11.5: a real Vite dev server behind a tunnel-style name answers 403 "Blocked request. This
// host (…) is not allowed": the endpoint says so and names the setting, instead of wrong-backend.
describe.skipIf(unavailable)('a dev server that refuses the Host header (real Vite)', () => {
  let ns: string;
  let vite: ResultPromise;
  let port: number;

  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('vitehost')}`);
    const root = mkdtempSync(join(tmpdir(), 'endpointd-vitehost-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>vite app</title><div id="app"></div>');
    const started = await startUntil(
      ns,
      [process.execPath, `${REPO_ROOT}node_modules/vite/bin/vite.js`, '--host', '127.0.0.1', '--port', '5197', '--strictPort'],
      /Local:\s+http:\/\/127\.0\.0\.1:(\d+)/,
      { cwd: root },
    );
    vite = started.child;
    port = Number(started.match[1]);
  });
  afterAll(async () => {
    vite?.kill('SIGTERM');
    await vite;
    if (ns) await deleteNamespace(ns);
  });

  it('reports host-not-allowed with the Vite setting for a tunnel-style name, and still verifies loopback', async () => {
    const name = 'bright-river-1.trycloudflare.test';
    const r = await runEndpoints(ns, ['list', '--port', String(port), '--custom', `http://${name}:${port}/`, '--json'], {
      ENDPOINTD_CONNECT_TO: `${name}:${port}=127.0.0.1:${port}`,
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const list = EndpointList.parse(JSON.parse(String(r.stdout)));
    const custom = list.endpoints.find((e) => e.type === 'custom');
    expect(custom).toMatchObject({
      status: 'unreachable',
      verification: {
        reason: 'host-not-allowed',
        httpStatus: 403,
        hint: expect.stringMatching(new RegExp(`${name.replaceAll('.', '\\.')}.*server\\.allowedHosts`)),
      },
    });
    expect(custom?.status).not.toBe('wrong-backend');
    expect(list.endpoints.find((e) => e.type === 'loopback' && e.family === 'ipv4')).toMatchObject({ status: 'verified' });
  });
});
