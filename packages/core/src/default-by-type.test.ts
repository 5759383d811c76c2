import { describe, expect, it } from 'vitest';
import { describeDefaultMove, markDefault, resolveDefault, sortEndpoints } from './default-by-type.js';
import { createEndpoint, UNCHECKED_VERIFICATION } from './endpoint.js';
import type { Endpoint, EndpointStatus, EndpointType } from './schema/endpoint.js';

function ep(
  type: EndpointType,
  url: string,
  status: EndpointStatus,
  extra: { latencyMs?: number; hasDefaultRoute?: boolean; interface?: string } = {},
): Endpoint {
  return createEndpoint({
    backend: 'app',
    provider: 'test',
    type,
    url,
    label: type,
    status,
    tls: null,
    verification: { ...UNCHECKED_VERIFICATION, latencyMs: extra.latencyMs ?? 1 },
    ...(extra.hasDefaultRoute ? { hasDefaultRoute: true } : {}),
    ...(extra.interface ? { interface: extra.interface } : {}),
  });
}

const loop = ep('loopback', 'http://127.0.0.1:3000', 'verified');
const lanWifi = ep('lan', 'http://192.168.1.20:3000', 'verified', { latencyMs: 2, interface: 'wlan0' });
const lanEth = ep('lan', 'http://10.0.0.4:3000', 'verified', { latencyMs: 5, hasDefaultRoute: true, interface: 'eth0' });
const lanV6 = ep('lan', 'http://[fd00::4]:3000', 'verified', { latencyMs: 0.5, hasDefaultRoute: true, interface: 'eth0' });
const tsIp = ep('tailscale-ip', 'http://100.80.90.53:3000', 'verified');
const tsServe = ep('tailscale-serve', 'https://devbox.tail911da.ts.net', 'verified');
const tsServeDown = ep('tailscale-serve', 'https://devbox.tail911da.ts.net', 'unreachable');

describe('resolveDefault', () => {
  it('uses the saved type when it has a verified endpoint: default-route interface first, IPv4 before IPv6', () => {
    const d = resolveDefault([loop, lanWifi, lanV6, lanEth, tsIp], 'lan');
    expect(d).toMatchObject({ type: 'lan', endpointId: lanEth.id, requestedType: 'lan', fallback: false });
  });
  it('falls back visibly when the saved type has no verified endpoint', () => {
    const d = resolveDefault([loop, tsServeDown, tsIp, lanWifi], 'tailscale-serve');
    expect(d).toMatchObject({ type: 'lan', endpointId: lanWifi.id, requestedType: 'tailscale-serve', fallback: true });
    expect(d.why).toMatch(/No verified tailscale-serve endpoint/);
  });
  it('with nothing saved takes the first verified type of the automatic order', () => {
    expect(resolveDefault([loop, tsIp, tsServe], null)).toMatchObject({
      type: 'tailscale-serve',
      endpointId: tsServe.id,
      requestedType: null,
      fallback: false,
    });
  });
  it('never chooses loopback automatically, not even as a fallback', () => {
    expect(resolveDefault([loop], null)).toMatchObject({ type: null, endpointId: null });
    expect(resolveDefault([loop], 'lan')).toMatchObject({ type: null, endpointId: null, fallback: true });
  });
  it('honours loopback when the user saved it', () => {
    expect(resolveDefault([loop, lanEth], 'loopback')).toMatchObject({ type: 'loopback', endpointId: loop.id, fallback: false });
  });
  it('never orders by latency: equally good endpoints keep their order whatever was measured (issue 17)', () => {
    const a = ep('lan', 'http://192.168.1.30:3000', 'verified', { latencyMs: 9, interface: 'wlan0' });
    const b = ep('lan', 'http://192.168.1.31:3000', 'verified', { latencyMs: 0.1, interface: 'wlan0' });
    expect(resolveDefault([b, a], null).endpointId).toBe(a.id);
    expect(sortEndpoints([b, a]).map((e) => e.id)).toEqual([a.id, b.id]);
  });
  it('keeps the previous default while it is verified and of the chosen type (sticky)', () => {
    const a = ep('lan', 'http://192.168.1.30:3000', 'verified', { interface: 'wlan0' });
    const b = ep('lan', 'http://192.168.1.31:3000', 'verified', { interface: 'wlan0' });
    expect(resolveDefault([a, b], null, { endpointId: b.id }).endpointId).toBe(b.id);
    const bDown = ep('lan', 'http://192.168.1.31:3000', 'unreachable', { interface: 'wlan0' });
    expect(resolveDefault([a, bDown], null, { endpointId: b.id }).endpointId).toBe(a.id);
    // Not of the type that would be chosen now: the saved type wins.
    expect(resolveDefault([a, tsServe], 'tailscale-serve', { endpointId: a.id }).endpointId).toBe(tsServe.id);
  });
  it('says why the default moved', () => {
    const a = ep('lan', 'http://192.168.1.30:3000', 'verified', { interface: 'wlan0' });
    const b = ep('lan', 'http://192.168.1.31:3000', 'verified', { interface: 'wlan0' });
    const before = { endpoints: [a, b], default: resolveDefault([a, b], null) };
    const afterGone = { endpoints: [b], default: resolveDefault([b], null, before.default) };
    expect(describeDefaultMove(before, afterGone)).toMatch(/previous default http:\/\/192\.168\.1\.30:3000\/ is no longer listed/);
    const aDown = ep('lan', 'http://192.168.1.30:3000', 'unreachable', { interface: 'wlan0' });
    const afterDown = { endpoints: [aDown, b], default: resolveDefault([aDown, b], null, before.default) };
    expect(describeDefaultMove(before, afterDown)).toMatch(/is now unreachable/);
  });
});

describe('markDefault and sortEndpoints', () => {
  it('marks exactly one endpoint and orders types as in the contract', () => {
    const list = sortEndpoints([tsServe, lanWifi, loop, lanEth]);
    expect(list.map((e) => e.type)).toEqual(['loopback', 'lan', 'lan', 'tailscale-serve']);
    const marked = markDefault(list, resolveDefault(list, null));
    expect(marked.filter((e) => e.isDefault)).toHaveLength(1);
    expect(marked.find((e) => e.isDefault)?.id).toBe(lanEth.id);
  });
});

describe('client reports rank an endpoint every reporting device failed after the others (issue 11.9)', () => {
  const reported = (e: Endpoint, ok: boolean[]): Endpoint => ({
    ...e,
    reports: {
      clients: ok.map((o, i) => ({
        clientId: `d${i}`,
        label: null,
        ok: o,
        failure: o ? null : 'timeout',
        latencyMs: o ? 3 : null,
        at: '2026-12-07T10:00:00.000Z',
      })),
      reached: ok.filter(Boolean).length,
      failed: ok.filter((o) => !o).length,
      allFailed: ok.length > 0 && ok.every((o) => !o),
    },
  });
  it('falls back from a saved type that devices could not reach, saying so', () => {
    const d = resolveDefault([reported(lanEth, [false, false]), tsServe], 'lan');
    expect(d).toMatchObject({ type: 'tailscale-serve', endpointId: tsServe.id, requestedType: 'lan', fallback: true });
    expect(d.why).toMatch(
      /lan endpoint is verified here, but 2 devices that reported could not reach it .*tailscale-serve, which devices reached, is used instead/,
    );
  });
  it('within a type, prefers the endpoint devices reached, and says why', () => {
    const d = resolveDefault([reported(lanEth, [false]), reported(lanV6, [true])], 'lan');
    expect(d.endpointId).toBe(lanV6.id);
    expect(d.why).toContain(`${lanEth.url} is verified here too, but 1 device that reported could not reach it`);
    const auto = resolveDefault([reported(lanEth, [false]), tsIp], null);
    expect(auto).toMatchObject({ type: 'tailscale-ip', fallback: false });
    expect(auto.why).toMatch(/10\.0\.0\.4.*could not reach it, so tailscale-ip is used/);
  });
  it('keeps a demoted endpoint when nothing else works, and does not demote on a mixed result', () => {
    expect(resolveDefault([reported(lanEth, [false]), loop], 'lan').endpointId).toBe(lanEth.id);
    expect(resolveDefault([reported(lanEth, [false, true]), tsServe], 'lan').endpointId).toBe(lanEth.id);
  });
  it('does not keep a sticky default that devices now fail', () => {
    const d = resolveDefault([reported(lanEth, [false]), lanWifi], 'lan', { endpointId: lanEth.id });
    expect(d.endpointId).toBe(lanWifi.id);
  });
});
