import { describe, expect, it } from 'vitest';
import { classifyBrowser, scopeFor } from './classify-browser.js';

const v = (url: string, resolvedAddress: string | null, tlsTrusted: boolean | null) =>
  classifyBrowser({ url: new URL(url), resolvedAddress, tlsTrusted });

// One case per row of reference/browsers.md.
describe('classifyBrowser follows the browsers.md table', () => {
  it('trusted https on a public address is ok everywhere and mixed-content safe', () => {
    expect(v('https://random-words.trycloudflare.com/', '104.16.1.1', true)).toEqual({
      mixedContentSafe: true,
      chromium: 'ok',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('trusted https resolving to 100.64/10 (Tailscale Serve) needs the Chromium local-network prompt', () => {
    expect(v('https://devbox.tail911da.ts.net/', '100.80.90.53', true)).toEqual({
      mixedContentSafe: true,
      chromium: 'prompt',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('trusted https resolving to a LAN address needs the prompt', () => {
    expect(v('https://nas.example.com/', '192.168.1.20', true)).toEqual({
      mixedContentSafe: true,
      chromium: 'prompt',
      firefox: 'ok',
      safari: 'ok',
    });
  });
  it('http loopback and localhost: prompt in Chromium, ok in Firefox, blocked in Safari', () => {
    for (const url of ['http://127.0.0.1:3000/', 'http://[::1]:3000/', 'http://localhost:3000/']) {
      expect(v(url, null, null)).toEqual({ mixedContentSafe: false, chromium: 'prompt', firefox: 'ok', safari: 'blocked' });
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
      expect(v(url, null, null)).toEqual({ mixedContentSafe: false, chromium: 'prompt', firefox: 'blocked', safari: 'blocked' });
    }
  });
  it('http name that resolves to a private address is blocked everywhere', () => {
    expect(v('http://devbox.tail911da.ts.net:3773/', '100.80.90.53', null).chromium).toBe('blocked');
  });
  it('untrusted or unprobed https is blocked everywhere and never mixed-content safe', () => {
    expect(v('https://10.0.0.5/', '10.0.0.5', false)).toEqual({
      mixedContentSafe: false,
      chromium: 'blocked',
      firefox: 'blocked',
      safari: 'blocked',
    });
    expect(v('https://app.example.com/', null, null).mixedContentSafe).toBe(false);
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
