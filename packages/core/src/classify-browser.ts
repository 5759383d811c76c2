import { type AddressClass, classifyAddress } from './address.js';
import type { BrowserVerdict, EndpointType, Scope } from './schema/endpoint.js';

export interface BrowserInput {
  url: URL;
  /** The IP the probe connected to, for DNS names; null when unknown. */
  resolvedAddress: string | null;
  /** TLS result for https; null when not probed (treated as untrusted: never promise what was not seen). */
  tlsTrusted: boolean | null;
}

const BLOCKED: BrowserVerdict = Object.freeze({
  mixedContentSafe: false,
  chromium: 'blocked',
  firefox: 'blocked',
  safari: 'blocked',
});

/**
 * What a page served from a public https:// origin may do with the endpoint via fetch/WebSocket,
 * per reference/browsers.md (Mixed Content, Secure Contexts, Chrome's Local Network Access).
 */
export function classifyBrowser({ url, resolvedAddress, tlsTrusted }: BrowserInput): BrowserVerdict {
  const host = url.hostname;
  const literal = classifyAddress(host);
  const isLocalhostName = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol === 'https:') {
    if (tlsTrusted !== true) return BLOCKED;
    const target = literal ?? (isLocalhostName ? 'loopback' : classifyAddressOrNull(resolvedAddress));
    // Chrome asks before a public page reaches a loopback or local address; 100.64/10 counts as local.
    const chromium = target === 'public' || target === null ? 'ok' : 'prompt';
    return { mixedContentSafe: true, chromium, firefox: 'ok', safari: 'ok' };
  }
  if (literal === 'loopback' || isLocalhostName) {
    // Potentially trustworthy origins, but Safari still blocks HTTP loads of localhost.
    return { mixedContentSafe: false, chromium: 'prompt', firefox: 'ok', safari: 'blocked' };
  }
  if (isLocalTarget(literal) || host.endsWith('.local')) {
    return { mixedContentSafe: false, chromium: 'prompt', firefox: 'blocked', safari: 'blocked' };
  }
  return BLOCKED;
}

function classifyAddressOrNull(address: string | null): AddressClass | null {
  return address === null ? null : classifyAddress(address);
}

function isLocalTarget(c: AddressClass | null): boolean {
  return c === 'private' || c === 'cgnat' || c === 'tailscale' || c === 'link-local';
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
