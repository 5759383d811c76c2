import { chromiumAddressSpace, classifyAddress } from './address.js';
import type { BrowserVerdict, EndpointType, Scope, Stability } from './schema/endpoint.js';

export interface BrowserInput {
  url: URL;
  /** The IP the probe connected to, for DNS names; null when unknown. */
  resolvedAddress: string | null;
  /** TLS result for https; null when not probed (treated as untrusted: never promise what was not seen). */
  tlsTrusted: boolean | null;
}

const BLOCKED = Object.freeze({ mixedContentSafe: false, chromium: 'blocked', firefox: 'blocked', safari: 'blocked' } as const);

/**
 * What a page served from a public https:// origin may do with the endpoint via fetch/WebSocket,
 * and whether a page opened at the endpoint is itself a secure context, per reference/browsers.md
 * (Mixed Content, Secure Contexts, Chromium's Local Network Access and its address-space table).
 */
export function classifyBrowser({ url, resolvedAddress, tlsTrusted }: BrowserInput): BrowserVerdict {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const space = chromiumAddressSpace(host);
  const isLocalhostName = host === 'localhost' || host.endsWith('.localhost');
  // Potentially trustworthy http origins: 127.0.0.0/8, ::1 and localhost names (not 0.0.0.0, which
  // Chromium puts in its loopback space but the Secure Contexts spec does not list).
  const trustworthyHttp = isLocalhostName || classifyAddress(host) === 'loopback';
  if (url.protocol === 'https:') {
    if (tlsTrusted !== true) return { ...BLOCKED, secureContext: false };
    const target = space ?? (isLocalhostName ? 'loopback' : resolvedAddress === null ? null : chromiumAddressSpace(resolvedAddress));
    // Chromium asks before a public page reaches a loopback or local address; 100.64/10 counts as local.
    const chromium = target === 'public' || target === null ? 'ok' : 'prompt';
    return { mixedContentSafe: true, secureContext: true, chromium, firefox: 'ok', safari: 'ok' };
  }
  if (trustworthyHttp) {
    // Potentially trustworthy origins, but Safari still blocks HTTP loads of localhost.
    return { mixedContentSafe: false, secureContext: true, chromium: 'prompt', firefox: 'ok', safari: 'blocked' };
  }
  if (space === 'local' || space === 'loopback' || host.endsWith('.local')) {
    // Chromium lets a public https page reach an http local/loopback literal after the permission
    // prompt; the others treat it as mixed content.
    return { mixedContentSafe: false, secureContext: false, chromium: 'prompt', firefox: 'blocked', safari: 'blocked' };
  }
  return { ...BLOCKED, secureContext: false };
}

const STABILITY_BY_TYPE: Readonly<Record<EndpointType, Stability>> = Object.freeze({
  loopback: 'stable',
  lan: 'address-dependent',
  'tailscale-ip': 'address-dependent',
  'tailscale-magicdns': 'stable',
  'tailscale-serve': 'stable',
  'tailscale-funnel': 'stable',
  'cloudflare-quick': 'per-run',
  'cloudflare-named': 'stable',
  relay: 'stable',
  'ssh-local-forward': 'stable',
  'ssh-reverse': 'stable',
  custom: 'stable',
});

/** Whether an endpoint's URL survives an address change or a restart of what serves it. */
export function stabilityFor(type: EndpointType): Stability {
  return STABILITY_BY_TYPE[type];
}

const SCOPE_BY_TYPE: Readonly<Record<Exclude<EndpointType, 'custom'>, Scope>> = Object.freeze({
  loopback: 'this-machine',
  lan: 'local-network',
  'tailscale-ip': 'tailnet',
  'tailscale-magicdns': 'tailnet',
  'tailscale-serve': 'tailnet',
  'tailscale-funnel': 'public',
  'cloudflare-quick': 'public',
  'cloudflare-named': 'public',
  relay: 'public',
  'ssh-local-forward': 'client-loopback',
  'ssh-reverse': 'public',
});

/** Who can use an endpoint: fixed by type, except custom URLs, which follow their address. */
export function scopeFor(type: EndpointType, host: string, resolvedAddress: string | null): Scope {
  if (type !== 'custom') return SCOPE_BY_TYPE[type];
  const c = classifyAddress(host) ?? (resolvedAddress ? classifyAddress(resolvedAddress) : null);
  if (c === 'loopback') return 'this-machine';
  if (c === 'private' || c === 'link-local') return 'local-network';
  if (c === 'cgnat' || c === 'tailscale') return 'tailnet';
  return 'public';
}
