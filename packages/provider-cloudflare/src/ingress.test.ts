import { describe, expect, it } from 'vitest';
import { chooseIngressHostname, serviceIsOrigin, VersionedConfig } from './ingress.js';

// Shapes from cloudflared's GetVersionedConfigJSON (orchestration/orchestrator.go): rules carry
// hostname, path (null when absent), service and originRequest.
const pushed = (ingress: Array<{ hostname?: string; path?: string | null; service: string }>, version = 3) =>
  VersionedConfig.parse({
    version,
    config: {
      ingress: ingress.map((r) => ({ hostname: '', path: null, originRequest: {}, ...r })),
      'warp-routing': { enabled: false },
      originRequest: {},
    },
  });

describe('choosing the public hostname of a pushed tunnel configuration', () => {
  it('takes the rule that serves this backend, not the first one of another service', () => {
    const config = pushed([
      { hostname: 'grafana.example.com', service: 'http://localhost:3001' },
      { hostname: 'app.example.com', service: 'http://localhost:3000' },
      { service: 'http_status:404' },
    ]);
    expect(chooseIngressHostname(config, 3000)).toEqual({ ok: true, hostname: 'app.example.com' });
  });
  it('passes over wildcard and path-only rules, and says why', () => {
    const config = pushed([
      { hostname: '*.example.com', service: 'http://localhost:3000' },
      { hostname: 'app.example.com', path: '^/api', service: 'http://127.0.0.1:3000' },
      { hostname: 'grafana.example.com', service: 'http://localhost:3001' },
      { service: 'http_status:404' },
    ]);
    const choice = chooseIngressHostname(config, 3000);
    expect(choice.ok).toBe(false);
    expect(!choice.ok && choice.error).toBe(
      "no public hostname of this tunnel serves http://localhost:3000 (found: *.example.com → http://localhost:3000 (a wildcard has no single URL to verify); app.example.com^/api → http://127.0.0.1:3000 (path-only: the backend's root is not there); grafana.example.com → http://localhost:3001)",
    );
  });
  it('holds a hostname the user named to its rule', () => {
    const config = pushed([
      { hostname: 'a.example.com', service: 'http://localhost:3000' },
      { hostname: 'b.example.com', service: 'http://localhost:4000' },
      { service: 'http_status:404' },
    ]);
    expect(chooseIngressHostname(config, 3000, 'A.example.com')).toEqual({ ok: true, hostname: 'a.example.com' });
    expect(chooseIngressHostname(config, 3000, 'b.example.com')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/b\.example\.com → http:\/\/localhost:4000/),
    });
    expect(chooseIngressHostname(config, 3000, 'c.example.com')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no public hostname c\.example\.com/),
    });
  });
  it('finds nothing in the default configuration a token tunnel starts with', () => {
    const initial = pushed([{ service: 'http_status:503' }], -1);
    expect(chooseIngressHostname(initial, 3000)).toEqual({
      ok: false,
      error: 'no public hostname of this tunnel serves http://localhost:3000 (it has none)',
    });
  });
  it.each([
    ['http://localhost:3000', true],
    ['https://127.0.0.1:3000', true],
    ['http://[::1]:3000', true],
    ['http://localhost', false],
    ['http://localhost:30000', false],
    ['http://10.0.0.2:3000', false],
    ['tcp://localhost:3000', false],
    ['http_status:404', false],
  ])('service %s is port 3000 here: %s', (service, expected) => {
    expect(serviceIsOrigin(service, 3000)).toBe(expected);
  });
});
