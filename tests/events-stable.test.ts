import type { DefaultChange, EndpointList } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, request, requestOne, startDaemon, subscribe } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { createLanTopology, ip, type LanTopology, nft } from './helpers/netns.js';
import { type RunningBackend, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason(['nft']);
const PREFIX = '10.77.1';
/** Ten stable addresses on the host's LAN interface. */
const STABLE = Array.from({ length: 10 }, (_, i) => `${PREFIX}.${11 + i}`);
const DROPPED = `${PREFIX}.99`;
const PROBE_TIMEOUT_MS = 2_000; // the daemon's default
const WATCH_MS = 1_500; // the interface watcher's interval
/** A change lands within the watcher's interval plus the running refresh plus one more. */
const CHANGE_BOUND_MS = WATCH_MS + 2 * (PROBE_TIMEOUT_MS + 500) + 1_000;

const lanList = async (daemon: RunningDaemon) => (await requestOne(daemon, { path: '/v1/backends/app/endpoints' })).json<EndpointList>();

describe.skipIf(unavailable)('events GUIs can rely on (issue 17)', () => {
  let t: LanTopology;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  beforeAll(async () => {
    t = await createLanTopology(tag('stable'));
    // Deleting the subnet's first address must not take the others with it.
    await ip('netns', 'exec', t.host, 'sysctl', '-qw', 'net.ipv4.conf.eth0.promote_secondaries=1');
    for (const a of STABLE) await ip('-n', t.host, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
    backend = await startBackend(t.host, ['--host', '0.0.0.0', '--id', 'stable']);
    daemon = await startDaemon(t.host, ['--backend', `app=${backend.port}`]);
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    await t?.destroy();
  });

  it('sends no endpoints or default event across sixty forced refreshes when nothing changed, and the default stays put', async () => {
    const first = (await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json<EndpointList>();
    for (const a of STABLE) expect(first.endpoints.find((e) => e.host === a)?.status).toBe('verified');
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    const answers = await request(
      daemon,
      Array.from({ length: 60 }, () => ({ path: '/v1/backends/app/endpoints?refresh=true' })),
    );
    const defaults = new Set(answers.map((a) => a.json<EndpointList>().default.endpointId));
    expect(defaults).toEqual(new Set([first.default.endpointId]));
    const orders = new Set(
      answers.map((a) =>
        a
          .json<EndpointList>()
          .endpoints.map((e) => e.id)
          .join(','),
      ),
    );
    expect(orders.size).toBe(1);
    await events.close();
    expect(events.lines.filter((l) => l.event === 'endpoints' || l.event === 'default')).toEqual([]);
  });

  it('moves the default, with where from and why, only when its endpoint goes away', async () => {
    const before = await lanList(daemon);
    const old = before.endpoints.find((e) => e.id === before.default.endpointId);
    expect(old?.type).toBe('lan');
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    await ip('-n', t.host, 'addr', 'del', `${old?.host}/24`, 'dev', 'eth0');
    const moved = (await events.waitFor((l) => l.event === 'default', 10_000)).data as DefaultChange;
    expect(moved.from).toEqual({ type: 'lan', endpointId: old?.id });
    expect(moved.default.endpointId).not.toBe(old?.id);
    expect(moved.default.type).toBe('lan');
    expect(moved.why).toMatch(/previous default .* is no longer listed/);
    await events.close();
  });

  it('announces both additions made during slow refreshes, within the bound', async () => {
    // One address whose packets are dropped makes every refresh wait for its probe's timeout.
    await ip('-n', t.host, 'addr', 'add', `${DROPPED}/24`, 'dev', 'eth0');
    await nft(
      t.host,
      `table inet epdslow {\n  chain input {\n    type filter hook input priority 0;\n    ip daddr ${DROPPED} tcp dport ${backend.port} drop\n  }\n}\n`,
    );
    const events = subscribe(daemon, '?backend=app');
    await events.waitFor((l) => l.status === 200, 5_000);
    await events.waitFor(
      (l) => l.event === 'endpoints' && (l.data as EndpointList).endpoints.some((e) => e.host === DROPPED && e.status === 'unreachable'),
      CHANGE_BOUND_MS,
    );
    // Keep refreshes running back to back, so each addition lands while one is in flight.
    const busy = request(
      daemon,
      Array.from({ length: 3 }, () => ({ path: '/v1/backends/app/endpoints?refresh=true' })),
    );
    const added = [`${PREFIX}.31`, `${PREFIX}.32`];
    const addedAt: number[] = [];
    for (const a of added) {
      addedAt.push(Date.now());
      await ip('-n', t.host, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      if (a === added[0]) await events.waitFor(() => false, 1_000).catch(() => undefined); // one second apart
    }
    for (const [i, a] of added.entries()) {
      const line = await events.waitFor(
        (l) => l.event === 'endpoints' && (l.data as EndpointList).endpoints.some((e) => e.host === a && e.status === 'verified'),
        CHANGE_BOUND_MS,
      );
      expect((line.at ?? 0) - (addedAt[i] ?? 0)).toBeLessThan(CHANGE_BOUND_MS);
    }
    await busy;
    await events.close();
  });

  it('drops an address removed while its probe is in flight, without waiting for the timeout or blaming a firewall', async () => {
    const started = Date.now();
    const refreshing = requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' });
    // The dropped address's probe hangs for the whole timeout; remove the address while it does.
    await events_sleep(600);
    await ip('-n', t.host, 'addr', 'del', `${DROPPED}/24`, 'dev', 'eth0');
    const list = (await refreshing).json<EndpointList>();
    const elapsed = Date.now() - started;
    // The refresh in flight may be a queued one: it ends well before two probe timeouts.
    expect(elapsed).toBeLessThan(2 * PROBE_TIMEOUT_MS);
    expect(list.endpoints.some((e) => e.host === DROPPED)).toBe(false);
    expect(list.endpoints.filter((e) => e.verification.reason === 'timed-out')).toEqual([]);
    const after = (await requestOne(daemon, { path: '/v1/backends/app/endpoints?refresh=true' })).json<EndpointList>();
    expect(after.endpoints.some((e) => e.host === DROPPED)).toBe(false);
  });
});

/** A short pause so a probe is surely in flight; there is no event for "a probe started". */
function events_sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
