import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Endpoint, type EndpointList, Exposure } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type RunningDaemon, requestOne, startDaemon, subscribe, tempHome } from './helpers/daemon.js';
import { type FakeCloudflare, setupFakeCloudflare } from './helpers/fake-cloudflare.js';
import { type FakeDns, startFakeDns } from './helpers/fake-dns.js';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace, ip } from './helpers/netns.js';
import { backendPool, inNamespace, type RunningBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';
import { createTestCa } from './helpers/test-ca.js';

const unavailable = netnsUnavailableReason();
const Exposures = z.object({ exposures: z.array(Exposure) });

// The edge's public address (198.18/15, a benchmarking range: public to browsers, never routed).
const EDGE = '198.18.0.10';
const PUBLISH_DELAY_MS = 1_500;

describe.skipIf(unavailable)(
  'a just-minted tunnel name is never looked up through the system resolver before it is public (issue 11.3)',
  () => {
    let ns: string;
    let cf: FakeCloudflare;
    let backend: RunningBackend;
    let daemon: RunningDaemon;
    const pool = backendPool();
    let dns: FakeDns;

    beforeAll(async () => {
      ns = await addNamespace(`epd-${tag('dns')}`);
      await ip('-n', ns, 'addr', 'add', `${EDGE}/32`, 'dev', 'lo');
      backend = await pool.start(ns, ['--host', '127.0.0.1', '--id', 'dns-app']);
      cf = await setupFakeCloudflare(ns, await createTestCa(), { edgeListen: `${EDGE}:443` });
      dns = await startFakeDns(ns, { routesDir: cf.state, answer: EDGE, publishDelayMs: PUBLISH_DELAY_MS });
      const home = tempHome();
      const config = join(home, 'config.json');
      writeFileSync(config, JSON.stringify({ publicDnsServers: [dns.publicServer] }));
      daemon = await startDaemon(ns, ['--backend', `app=${backend.port}`, '--config', config], { home, env: cf.env });
    });
    afterAll(async () => {
      await daemon?.stop();
      await cf?.stop();
      await dns?.stop();
      await pool.stopAll();
      await deleteNamespace(ns);
    });

    it('waits (checking) until the public resolvers know the name, then probes the public address with the name kept', async () => {
      const events = subscribe(daemon, '?backend=app');
      await events.waitFor((l) => l.status === 200, 5_000);
      const started = Date.now();
      expect(
        (await requestOne(daemon, { method: 'POST', path: '/v1/backends/app/exposures', body: '{"type":"cloudflare-quick"}' })).status,
      ).toBe(202);
      const checking = await events.waitFor(
        (l) =>
          l.event === 'endpoints' &&
          (l.data as EndpointList).endpoints.some((e: Endpoint) => e.type === 'cloudflare-quick' && e.status === 'checking'),
        10_000,
      );
      const pending = (checking.data as EndpointList).endpoints.find((e) => e.type === 'cloudflare-quick');
      expect(pending?.verification).toMatchObject({ reason: 'dns-not-yet-public', address: null });
      expect(pending?.verification.hint).toMatch(/not in public DNS yet .*not looked up through this machine’s resolver/);
      const active = await events.waitFor(
        (l) => l.event === 'exposure' && (l.data as Exposure).type === 'cloudflare-quick' && (l.data as Exposure).state === 'active',
        20_000,
      );
      const elapsed = Date.now() - started;
      const endpoint = (active.data as Exposure).endpoint;
      expect(endpoint).toMatchObject({ status: 'verified', verification: { address: EDGE }, tls: { trusted: true } });
      const name = new URL(endpoint?.url ?? '').hostname;
      // The public resolver said "no such name" first, then answered once the name was published…
      const publicLog = dns.log('public').filter((q) => q.name === name && q.type === 'A');
      expect(publicLog.some((q) => q.rcode === 'NXDOMAIN')).toBe(true);
      const firstAnswer = publicLog.find((q) => q.rcode === 'NOERROR');
      expect(firstAnswer).toBeDefined();
      // …and the system resolver never saw the name before that answer (nor after: the probe went to the address).
      const systemLog = dns.log('system').filter((q) => q.name === name);
      expect(systemLog.filter((q) => q.at <= (firstAnswer?.at ?? 0))).toEqual([]);
      expect(systemLog).toEqual([]);
      expect(elapsed).toBeGreaterThanOrEqual(PUBLISH_DELAY_MS);
      process.stdout.write(`enable cloudflare-quick → verified URL: ${elapsed} ms (public DNS after ${PUBLISH_DELAY_MS} ms)\n`);
      const x = Exposures.parse((await requestOne(daemon, { path: '/v1/backends/app/exposures' })).json()).exposures[0];
      expect(x?.endpoint?.url).toBe(endpoint?.url);
      await events.close();
    });

    it('the recording system resolver really records a lookup of the name (so the test above can fail)', async () => {
      const list = (await requestOne(daemon, { path: '/v1/backends/app/endpoints' })).json() as EndpointList;
      const name = new URL(list.endpoints.find((e) => e.type === 'cloudflare-quick')?.url ?? 'https://x.invalid/').hostname;
      const [cmd, argv] = inNamespace(ns, process.execPath, ['-e', `require('node:dns').lookup(${JSON.stringify(name)}, () => {})`]);
      await execa(cmd, argv, { reject: false });
      expect(dns.log('system').some((q) => q.name === name)).toBe(true);
    });
  },
);
