import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EndpointList, Health, ProviderStatus } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningDaemon, requestOne, startDaemon, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { REPO_ROOT, type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();
const fixture = (name: string) => `${REPO_ROOT}tests/fixtures/plugins/${name}`;

describe.skipIf(unavailable)('third-party provider plugins', () => {
  let ns: string;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('plug')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'plugins']);
    const home = tempHome();
    const config = join(home, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        backends: [{ name: 'app', port: backend.port }],
        plugins: [
          {
            module: `${REPO_ROOT}examples/provider-static/index.mjs`,
            options: { urls: ['http://localhost:{port}/'], label: 'Static proxy' },
          },
          './missing-plugin.mjs',
          fixture('throws-at-load.mjs'),
          fixture('not-a-provider.mjs'),
          fixture('duplicate-id.mjs'),
          fixture('fails-at-discover.mjs'),
        ],
      }),
    );
    daemon = await startDaemon(ns, ['--config', config], { home });
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    await deleteNamespace(ns);
  });

  it('loads the example provider, whose endpoints are verified like any other', async () => {
    const list = EndpointList.parse((await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json());
    expect(list.endpoints.find((e) => e.provider === 'static')).toMatchObject({
      type: 'custom',
      label: 'Static proxy',
      url: `http://localhost:${backend.port}/`,
      status: 'verified',
    });
  });

  it('reports each broken plugin in /v1/providers and /v1/health without affecting the others', async () => {
    const providers = z
      .object({ providers: z.array(ProviderStatus) })
      .parse((await requestOne(daemon, { path: '/v1/providers' })).json()).providers;
    const byId = Object.fromEntries(providers.map((p) => [p.id, p]));
    expect(byId.lan).toMatchObject({ available: true, source: 'builtin' });
    expect(byId.static).toMatchObject({ available: true, types: ['custom'] });
    expect(byId['plugin:./missing-plugin.mjs']).toMatchObject({ available: false, reason: 'plugin-load-failed' });
    expect(byId[`plugin:${fixture('throws-at-load.mjs')}`]?.hint).toMatch(/this plugin cannot start/);
    expect(byId[`plugin:${fixture('not-a-provider.mjs')}`]).toMatchObject({ reason: 'plugin-invalid' });
    expect(byId[`plugin:${fixture('not-a-provider.mjs')}`]?.hint).toMatch(
      /id: provider id must be kebab-case; types\.0: must be one of loopback, lan, .*; discover must be a function/,
    );
    expect(byId[`plugin:${fixture('duplicate-id.mjs')}`]?.hint).toMatch(/"lan" is already taken/);
    expect(byId.flaky).toMatchObject({ available: false, reason: 'provider-failed' });
    expect(byId.flaky?.hint).toMatch(/upstream API down/);
    const health = Health.parse((await requestOne(daemon, { path: '/v1/health', auth: false })).json());
    expect(health.problems.filter((p) => p.code === 'ENDPOINTD_PLUGIN_FAILED')).toHaveLength(4);
  });
});
