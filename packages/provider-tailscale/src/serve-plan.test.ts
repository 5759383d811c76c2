import { describe, expect, it } from 'vitest';
import { HOST, UPSTREAM_CONFIGS } from '../test-fixtures/upstream-serve-configs.js';
import { HTTPS_PORTS, parseServeConfig } from './serve-config.js';
import { type ExposureWish, mountFromOwned, planExposure, removalArgs, type ServeMount, serveCandidates } from './serve-plan.js';
import { funnelAllows, parseFunnelPorts } from './status.js';

// The decisions, run over configs the real CLI produces (see the fixtures file for their origin).
const config = (name: keyof typeof UPSTREAM_CONFIGS) => parseServeConfig(`${JSON.stringify(UPSTREAM_CONFIGS[name], null, 2)}\n`);
const serve = (backendPort: number, extra: Partial<ExposureWish> = {}): ExposureWish => ({
  host: HOST,
  backendPort,
  funnel: false,
  ports: HTTPS_PORTS,
  ...extra,
});
const funnel = (backendPort: number, extra: Partial<ExposureWish> = {}) => serve(backendPort, { funnel: true, ...extra });

describe('endpoints a serve config holds for a backend', () => {
  const urls = (name: keyof typeof UPSTREAM_CONFIGS, port: number, scheme: 'http' | 'https' = 'http') =>
    serveCandidates(config(name), HOST, port, scheme).map((c) => [c.type, c.url]);

  it.each([
    ['using_port_number', 3000, [['tailscale-funnel', `https://${HOST}/`]]],
    ['serve_background', 3000, [['tailscale-serve', `https://${HOST}/`]]],
    ['http_listener', 3000, [['tailscale-serve', `http://${HOST}/`]]],
    ['turn_off_https_step2', 3001, [['tailscale-serve', `https://${HOST}:9999/abc/`]]],
    [
      'two_ports_same_dest',
      3000,
      [
        ['tailscale-serve', `https://${HOST}/foo/`],
        ['tailscale-serve', `https://${HOST}:8443/foo/`],
      ],
    ],
    ['path_in_dest', 3000, [['tailscale-serve', `https://${HOST}/`]]],
    ['tcp_off_step1', 123, [['tailscale-serve', `https://${HOST}/`]]],
    ['tcp_forward', 5432, [['tailscale-serve', `http://${HOST}:5432/`]]],
    ['combos_step4', 3001, [['tailscale-funnel', `https://${HOST}:8443/bar/`]]],
    ['https_insecure', 3001, [['tailscale-serve', `https://${HOST}/`]]],
    ['ipv6_loopback', 3000, [['tailscale-serve', `https://${HOST}/`]]],
    ['foreground_session', 3000, [['tailscale-serve', `https://${HOST}/`]]],
    ['service', 3000, [['tailscale-serve', 'https://app.tail-test.ts.net/']]],
    ['ip_host', 3000, []],
    ['stale_funnel_flag', 3000, []],
  ] as const)('%s, backend port %i', (name, port, expected) => {
    expect(urls(name, port)).toEqual(expected);
  });

  it('says where a handler comes from and what path it reaches', () => {
    const label = (name: keyof typeof UPSTREAM_CONFIGS, port: number) => serveCandidates(config(name), HOST, port, 'http')[0]?.label;
    expect(label('foreground_session', 3000)).toMatch(/foreground session/);
    expect(label('service', 3000)).toMatch(/Service svc:app/);
    expect(label('path_in_dest', 3000)).toMatch(/to \/foo\/bar/);
    expect(label('turn_off_https_step2', 3001)).toMatch(/at \/abc/);
    expect(label('tcp_off_step1', 123)).toMatch(/TCP forward \(TLS terminated\)/);
  });

  it('lists a TCP forward to a TLS backend as https', () => {
    expect(serveCandidates(config('tcp_forward'), HOST, 5432, 'https')[0]?.url).toBe(`https://${HOST}:5432/`);
  });
});

describe('choosing a port for an exposure', () => {
  const plan = (name: keyof typeof UPSTREAM_CONFIGS, wish: ExposureWish) => planExposure(config(name), wish);

  it('reuses a tailnet-only handler for this backend, without claiming it', () => {
    expect(plan('serve_background', serve(3000))).toMatchObject({ ok: true, port: 443, reuse: { proxy: 'http://localhost:3000' } });
    expect(plan('ipv6_loopback', serve(3000))).toMatchObject({ ok: true, port: 443, reuse: { proxy: 'http://::1:3000' } });
  });
  it('never reuses a public (Funnel) handler for a tailnet-only exposure', () => {
    expect(plan('using_port_number', serve(3000))).toEqual({ ok: true, port: 8443, reuse: null });
  });
  it('never turns Funnel on for a tailnet-only handler, even one serving this backend', () => {
    expect(plan('serve_background', funnel(3000))).toEqual({ ok: true, port: 8443, reuse: null });
    // 443 is public for another target and 8443 holds a tailnet-only mount of this one: neither is taken.
    expect(plan('combos_step3', funnel(3001))).toEqual({ ok: true, port: 10000, reuse: null });
  });
  it('reuses a Funnel handler for this backend for a Funnel exposure', () => {
    expect(plan('using_port_number', funnel(3000))).toMatchObject({ ok: true, port: 443, reuse: { funnel: true } });
  });
  it('respects every listener: a foreground session, TCP forwards, a Funnel flag without handlers', () => {
    expect(plan('foreground_session', serve(4000))).toEqual({ ok: true, port: 8443, reuse: null });
    expect(plan('foreground_session', serve(3000))).toEqual({ ok: true, port: 8443, reuse: null }); // it ends with the terminal
    expect(plan('tcp_off_step1', serve(3000))).toEqual({ ok: true, port: 8443, reuse: null });
    expect(plan('stale_funnel_flag', serve(3000))).toEqual({ ok: true, port: 8443, reuse: null });
  });
  it('does not share a port with another mount, and Services do not take the node ports', () => {
    expect(plan('two_ports_same_dest', serve(3000))).toEqual({ ok: true, port: 10000, reuse: null });
    expect(plan('service', serve(3000))).toEqual({ ok: true, port: 443, reuse: null });
  });
  it('names what holds a pinned port and a free one', () => {
    const refused = plan('ip_host', serve(3000, { pinned: 443 }));
    expect(refused).toEqual({
      ok: false,
      reason: 'serve-port-in-use',
      message: 'HTTPS port 443 already serves http://192.168.1.1:3000; Serve does not share it; 8443 is free',
    });
    expect(plan('foreground_session', serve(3000, { pinned: 443 }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/foreground `tailscale serve` session/),
    });
  });
  it('tries the next port when tailscale refused one, and says so when none is left', () => {
    const empty = parseServeConfig('null');
    expect(planExposure(empty, serve(3000, { refused: new Set([443]) }))).toEqual({ ok: true, port: 8443, reuse: null });
    expect(planExposure(empty, serve(3000, { refused: new Set([443, 8443, 10000]) }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/443: refused by tailscale/),
    });
  });
  it('keeps Funnel to the ports it may use', () => {
    expect(planExposure(parseServeConfig(''), funnel(3000, { ports: [8443] }))).toEqual({ ok: true, port: 8443, reuse: null });
  });
});

describe('removing what an exposure added', () => {
  const added: ServeMount = { host: HOST, httpsPort: 443, mountPath: '/', target: 'http://localhost:3000', funnel: false, added: true };
  it('removes only its own mount, with the path-precise form', () => {
    expect(removalArgs(config('serve_background'), added)).toEqual(['serve', '--https=443', '--set-path=/', 'off']);
  });
  it('leaves a handler it found in place, one replaced since, and one already gone', () => {
    expect(removalArgs(config('serve_background'), { ...added, added: false })).toBeNull();
    expect(removalArgs(config('serve_background'), { ...added, target: 'http://127.0.0.1:3000' })).toBeNull();
    expect(removalArgs(config('foreground_session'), { ...added, target: 'http://127.0.0.1:3000' })).toBeNull();
    expect(removalArgs(parseServeConfig('null'), added)).toBeNull();
  });
  it('reads the record back from state, and nothing from a malformed one', () => {
    expect(mountFromOwned({ ...added })).toEqual(added);
    expect(mountFromOwned({ host: HOST, httpsPort: '443' })).toBeNull();
    expect(mountFromOwned(undefined)).toBeNull();
  });
});

describe('funnel-ports attribute (ipn/serve.go CheckFunnelPort)', () => {
  it('reads single ports and ranges', () => {
    const ports = parseFunnelPorts(['https', 'funnel', 'https://tailscale.com/cap/funnel-ports?ports=443,8443,8080-8090']);
    expect(ports).toEqual([
      [443, 443],
      [8443, 8443],
      [8080, 8090],
    ]);
    expect(funnelAllows({ canFunnel: true, funnelPorts: ports }, 8085)).toBe(true);
    expect(funnelAllows({ canFunnel: true, funnelPorts: ports }, 10000)).toBe(false);
    expect(funnelAllows({ canFunnel: false, funnelPorts: ports }, 443)).toBe(false);
  });
  it('allows no port without the attribute, or with a malformed one', () => {
    expect(parseFunnelPorts(['funnel'])).toEqual([]);
    expect(parseFunnelPorts(['https://tailscale.com/cap/funnel-ports?ports='])).toEqual([]);
    expect(parseFunnelPorts(['https://tailscale.com/cap/funnel-ports/x?ports=443'])).toEqual([]);
  });
});
