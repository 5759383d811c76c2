import { BlockList, isIP } from 'node:net';

// Ranges from RFC 1918/4193/6598/3927/4291 and Tailscale's documentation.
const LOOPBACK = subnets([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const LINK_LOCAL = subnets([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const PRIVATE = subnets([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const CGNAT = subnets([['100.64.0.0', 10, 'ipv4']]);
const TAILSCALE_V6 = subnets([['fd7a:115c:a1e0::', 48, 'ipv6']]);
const UNSPECIFIED = new Set(['0.0.0.0', '::']);

function subnets(list: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>): BlockList {
  const blocks = new BlockList();
  for (const [net, prefix, family] of list) blocks.addSubnet(net, prefix, family);
  return blocks;
}

/** Where an IP address lives, as far as reachability and browsers are concerned. */
export type AddressClass = 'loopback' | 'link-local' | 'private' | 'cgnat' | 'tailscale' | 'public' | 'unspecified';

/** Strips IPv6 brackets, a zone id and the IPv4-mapped prefix, so literals compare equal. */
export function normalizeAddress(address: string): string {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  return a;
}

/** Classifies an IP literal; returns null for anything that is not one (a DNS name). */
export function classifyAddress(address: string): AddressClass | null {
  const a = normalizeAddress(address);
  const version = isIP(a);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (UNSPECIFIED.has(a)) return 'unspecified';
  if (LOOPBACK.check(a, family)) return 'loopback';
  if (LINK_LOCAL.check(a, family)) return 'link-local';
  if (TAILSCALE_V6.check(a, family)) return 'tailscale';
  if (CGNAT.check(a, family)) return 'cgnat';
  if (PRIVATE.check(a, family)) return 'private';
  return 'public';
}

// Chromium's own address-space table (services/network/public/cpp/ip_address_space_util.cc, as
// seen in Chromium 156 here, reference/browsers.md): beyond RFC 1918/4193/6598 and link-local, it
// counts the documentation and deprecated site-local v6 ranges and 0.0.0.0/8 as local, and the
// unspecified addresses as loopback.
const CHROMIUM_LOOPBACK = subnets([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['0.0.0.0', 32, 'ipv4'],
  ['::', 128, 'ipv6'],
]);
const CHROMIUM_LOCAL = subnets([
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['3fff::', 20, 'ipv6'],
]);

/** The address space Chromium's Local Network Access puts an IP literal in; null for a DNS name. */
export type ChromiumAddressSpace = 'loopback' | 'local' | 'public';
export function chromiumAddressSpace(address: string): ChromiumAddressSpace | null {
  const a = normalizeAddress(address);
  const version = isIP(a);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (CHROMIUM_LOOPBACK.check(a, family)) return 'loopback';
  if (CHROMIUM_LOCAL.check(a, family)) return 'local';
  return 'public';
}

/** True for 100.64.0.0/10, the range Tailscale (and carrier-grade NAT) uses. */
export function isCgnatAddress(address: string): boolean {
  return classifyAddress(address) === 'cgnat';
}

/** True for Tailscale's IPv6 range fd7a:115c:a1e0::/48. */
export function isTailscaleV6Address(address: string): boolean {
  return classifyAddress(address) === 'tailscale';
}

/** Formats a host for a URL authority: IPv6 literals get brackets. */
export function formatUrlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}
