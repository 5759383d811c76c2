import { describe, expect, it } from 'vitest';
import { chromiumAddressSpace } from './address.js';
import { classifyBrowser, scopeFor, stabilityFor } from './classify-browser.js';

const v = (url: string, resolvedAddress: string | null, tlsTrusted: boolean | null) =>
  classifyBrowser({ url: new URL(url), resolvedAddress, tlsTrusted });

// One case per row of reference/browsers.md.
describe('classifyBrowser follows the browsers.md table', () => {
  it('trusted https on a public address is ok everywhere and mixed-content safe', () => {
    expect(v('https://random-words.trycloudflare.com/', '104.16.1.1', true)).toEqual({
      mixedContentSafe: true,
      secureContext: true,
      chromium: 'ok',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('trusted https resolving to 100.64/10 (Tailscale Serve) needs the Chromium local-network prompt', () => {
    expect(v('https://devbox.tail911da.ts.net/', '100.80.90.53', true)).toEqual({
      mixedContentSafe: true,
      secureContext: true,
      chromium: 'prompt',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('trusted https resolving to a LAN address needs the prompt', () => {
    expect(v('https://nas.example.com/', '192.168.1.20', true)).toEqual({
      mixedContentSafe: true,
      secureContext: true,
      chromium: 'prompt',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('http loopback and localhost: prompt in Chromium, ok in Firefox, blocked in Safari', () => {
    for (const url of ['http://127.0.0.1:3000/', 'http://[::1]:3000/', 'http://localhost:3000/']) {
      expect(v(url, null, null)).toEqual({
        mixedContentSafe: false,
        secureContext: true,
        chromium: 'prompt',
        firefox: 'ok',
        safari: 'blocked',
      });
    }
  });
  it('http private IP literals, 100.64/10 and .local names: prompt in Chromium only', () => {
    for (const url of [
      'http://192.168.1.20:3000/',
      'http://10.0.0.5/',
      'http://172.20.1.1/',
      'http://100.80.90.53:3773/',
      'http://devbox.local:3000/',
      'http://[fd00::5]:3000/',
    ]) {
      expect(v(url, null, null)).toEqual({
        mixedContentSafe: false,
        secureContext: false,
        chromium: 'prompt',
        firefox: 'blocked',
        safari: 'blocked',
      });
    }
  });
  it('http name that resolves to a private address is blocked everywhere', () => {
    expect(v('http://devbox.tail911da.ts.net:3773/', '100.80.90.53', null).chromium).toBe('blocked');
  });
  it('untrusted or unprobed https is blocked everywhere and never mixed-content safe', () => {
    expect(v('https://10.0.0.5/', '10.0.0.5', false)).toEqual({
      mixedContentSafe: false,
      secureContext: false,
      chromium: 'blocked',
      firefox: 'blocked',
      safari: 'blocked',
    });
    expect(v('https://app.example.com/', null, null).mixedContentSafe).toBe(false);
  });
});

describe("Chromium's address spaces (issue 11.7)", () => {
  it('counts 2001:db8::/32, 3fff::/20, fec0::/10 and 0.0.0.0/8 as local, as Chromium does', () => {
    for (const url of ['http://[2001:db8::5]:3000/', 'http://[3fff:1::5]:3000/', 'http://[fec0::5]/', 'http://0.1.2.3:3000/']) {
      expect(v(url, null, null).chromium, url).toBe('prompt');
      expect(v(url, null, null).firefox, url).toBe('blocked');
    }
    for (const address of ['2001:db8::5', '3fff:1::5', 'fec0::5', '0.1.2.3']) {
      expect(chromiumAddressSpace(address), address).toBe('local');
      expect(v('https://app.example.com/', address, true).chromium, address).toBe('prompt');
    }
  });
  it('keeps the neighbouring public ranges public', () => {
    for (const address of ['2001:db9::1', '3fff:1000::1', '2606:4700::1', '1.0.0.1', '104.16.1.1']) {
      expect(chromiumAddressSpace(address), address).toBe('public');
      expect(v('https://app.example.com/', address, true).chromium, address).toBe('ok');
    }
    expect(v('http://[2606:4700::1]/', null, null).chromium).toBe('blocked');
  });
  it('puts the unspecified addresses in the loopback space, and names in none', () => {
    expect(chromiumAddressSpace('0.0.0.0')).toBe('loopback');
    expect(chromiumAddressSpace('::')).toBe('loopback');
    expect(chromiumAddressSpace('::ffff:192.168.1.2')).toBe('local');
    expect(chromiumAddressSpace('example.com')).toBeNull();
  });
});

describe('secure context of a page opened at the endpoint (issue 11.6)', () => {
  it('is true for trusted https and loopback http, false for LAN, Tailscale and untrusted https', () => {
    const secure = (url: string, address: string | null, trusted: boolean | null) => v(url, address, trusted).secureContext;
    expect(secure('https://devbox.tail911da.ts.net/', '100.80.90.53', true)).toBe(true);
    expect(secure('http://127.0.0.1:3000/', null, null)).toBe(true);
    expect(secure('http://127.9.9.9:3000/', null, null)).toBe(true);
    expect(secure('http://[::1]:3000/', null, null)).toBe(true);
    expect(secure('http://app.localhost:3000/', null, null)).toBe(true);
    expect(secure('http://192.168.1.20:3000/', null, null)).toBe(false);
    expect(secure('http://100.80.90.53:3000/', null, null)).toBe(false);
    expect(secure('http://devbox.tail911da.ts.net:3000/', '100.80.90.53', null)).toBe(false);
    expect(secure('http://0.0.0.0:3000/', null, null)).toBe(false);
    expect(secure('https://10.0.0.5/', '10.0.0.5', false)).toBe(false);
  });
});

describe('stabilityFor (issue 11.8)', () => {
  it('names which URLs survive', () => {
    for (const t of ['tailscale-magicdns', 'tailscale-serve', 'tailscale-funnel', 'cloudflare-named', 'custom', 'relay'] as const) {
      expect(stabilityFor(t), t).toBe('stable');
    }
    expect(stabilityFor('lan')).toBe('address-dependent');
    expect(stabilityFor('tailscale-ip')).toBe('address-dependent');
    expect(stabilityFor('cloudflare-quick')).toBe('per-run');
  });
});

describe('scopeFor', () => {
  it('is fixed by type, and follows the address for custom URLs', () => {
    expect(scopeFor('tailscale-ip', '100.80.90.53', null)).toBe('tailnet');
    expect(scopeFor('ssh-local-forward', '127.0.0.1', null)).toBe('client-loopback');
    expect(scopeFor('custom', 'dash.example.com', '203.0.113.9')).toBe('public');
    expect(scopeFor('custom', 'dash.lan', '192.168.1.4')).toBe('local-network');
    expect(scopeFor('custom', '127.0.0.1', null)).toBe('this-machine');
  });
});
