import { describe, expect, it } from 'vitest';
import { parseProxyTarget, parseServeConfig, serveUrl, targetsPort } from './serve-config.js';
import { parseStatus, parseVersion } from './status.js';
import { classifyStderr } from './tailscale-cli.js';

describe('parseStatus', () => {
  it('reads the fields it needs, renaming them once, and strips the trailing dot', () => {
    const s = parseStatus(
      JSON.stringify({
        Version: '1.94.1-t62c6f1cd7',
        BackendState: 'Running',
        TailscaleIPs: ['100.80.90.53', 'fd7a:115c:a1e0::53'],
        Self: { DNSName: 'devbox.tail911da.ts.net.', CapMap: { https: null, 'https://tailscale.com/cap/funnel': null }, Unknown: 1 },
        CurrentTailnet: { MagicDNSEnabled: true },
        CertDomains: ['devbox.tail911da.ts.net'],
        NewField: { anything: true },
      }),
    );
    expect(s).toEqual({
      version: '1.94.1-t62c6f1cd7',
      backendState: 'Running',
      ipv4: ['100.80.90.53'],
      ipv6: ['fd7a:115c:a1e0::53'],
      magicDnsName: 'devbox.tail911da.ts.net',
      magicDnsEnabled: true,
      certDomains: ['devbox.tail911da.ts.net'],
      canHttps: true,
      canFunnel: true,
      funnelPorts: [],
    });
  });
  it('tolerates a logged-out status with nulls and empties', () => {
    const s = parseStatus(
      '{"BackendState":"NeedsLogin","TailscaleIPs":null,"Self":{"DNSName":""},"CurrentTailnet":null,"CertDomains":null}',
    );
    expect(s).toMatchObject({
      backendState: 'NeedsLogin',
      ipv4: [],
      magicDnsName: null,
      magicDnsEnabled: false,
      certDomains: [],
      canHttps: false,
    });
  });
  it('reads the short version from the first line', () => {
    expect(parseVersion('1.94.1\n  tailscale commit: 62c6\n')).toBe('1.94.1');
  });
});

describe('serve config', () => {
  it('reads handlers with their port, scheme, mount path and funnel flag', () => {
    const config = parseServeConfig(
      JSON.stringify({
        TCP: { 443: { HTTPS: true } },
        Web: { 'devbox.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' }, '/docs': { Path: '/srv/docs' } } } },
        AllowFunnel: { 'devbox.ts.net:443': true },
      }),
    );
    const common = { host: 'devbox.ts.net', port: 443, scheme: 'https', funnel: true, source: 'background', service: null };
    expect(config.handlers).toEqual([
      { ...common, mountPath: '/', proxy: 'http://127.0.0.1:3000' },
      { ...common, mountPath: '/docs', proxy: null },
    ]);
    expect(config.listeners).toEqual([
      { port: 443, kind: 'https', source: 'background', service: null, host: null, forward: null, funnel: true },
    ]);
    expect(config.funnel).toEqual(['devbox.ts.net:443']);
  });
  it('accepts every empty form', () => {
    for (const empty of ['', '{}', 'null\n', '{"TCP":null,"Web":null}'])
      expect(parseServeConfig(empty)).toEqual({ listeners: [], handlers: [], funnel: [] });
  });
  it.each([
    ['http://127.0.0.1:3000', true],
    ['http://localhost:3000/', true],
    ['localhost:3000', true],
    ['3000', true],
    ['http://[::1]:3000', true],
    ['http://::1:3000', true], // how the CLI stores [::1] (ExpandProxyTargetValue drops the brackets)
    ['https+insecure://localhost:3000', true],
    ['http://127.0.0.1:3000/foo/bar', true],
    ['http://127.0.0.1:30000', false],
    ['http://10.0.0.5:3000', false],
    ['unix:/run/app.sock', false],
    ['text:hello', false],
    [null, false],
  ])('target %s is port 3000 here: %s', (proxy, expected) => {
    expect(targetsPort(proxy, 3000)).toBe(expected);
  });
  it('splits a target into its parts, keeping a path after the port', () => {
    expect(parseProxyTarget('http://::1:3000')).toEqual({ scheme: 'http', host: '::1', port: 3000, path: '/' });
    expect(parseProxyTarget('https://127.0.0.1:3000/foo/bar')).toEqual({
      scheme: 'https',
      host: '127.0.0.1',
      port: 3000,
      path: '/foo/bar',
    });
    expect(parseProxyTarget('localhost:5432')).toEqual({ scheme: 'tcp', host: 'localhost', port: 5432, path: '/' });
  });
  it('builds the URL: default ports left out, the mount path kept, http for HTTP listeners', () => {
    expect(serveUrl({ host: 'devbox.ts.net', port: 443, scheme: 'https', mountPath: '/' })).toBe('https://devbox.ts.net/');
    expect(serveUrl({ host: 'devbox.ts.net', port: 8443, scheme: 'https', mountPath: '/app' })).toBe('https://devbox.ts.net:8443/app/');
    expect(serveUrl({ host: 'devbox.ts.net', port: 80, scheme: 'http', mountPath: '/' })).toBe('http://devbox.ts.net/');
  });
});

describe('reasons', () => {
  it('classifies the CLI wording, most specific first, else unknown', () => {
    expect(classifyStderr("failed to connect to local tailscaled; it doesn't appear to be running")).toBe('tailscaled-not-running');
    expect(classifyStderr('Access denied: serve config denied')).toBe('serve-access-denied');
    expect(classifyStderr('port 443 is already serving "tcp"')).toBe('serve-port-in-use');
    expect(classifyStderr('port 8080 is not allowed for funnel')).toBe('funnel-port-not-allowed');
    expect(classifyStderr('the moon is in the wrong phase')).toBe('tool-failed');
  });
});
