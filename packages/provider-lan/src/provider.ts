import os from 'node:os';
import {
  type CandidateInput,
  classifyAddress,
  type DiscoverContext,
  type DiscoverResult,
  type ExcludedAddress,
  formatUrlHost,
  normalizeAddress,
  type Provider,
} from '@endpointd/core';
import * as z from 'zod';
import { type DefaultRoutes, readDefaultRoutes } from './default-route.js';
import { classifyInterface, type InterfaceFacts, readInterfaceFacts } from './interface-kind.js';

/** Options of the LAN provider; each OS access is injectable for tests. */
export const LanProviderOptions = z.object({
  /** Also propose [::1] when the bound sockets cannot be read. @default true */
  includeIpv6Loopback: z.boolean().default(true),
});
export type LanProviderOptions = z.input<typeof LanProviderOptions>;

export interface LanProviderDeps {
  /** @default os.networkInterfaces */
  networkInterfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  /** @default readInterfaceFacts (sysfs) */
  interfaceFacts?: (name: string) => InterfaceFacts;
  /** @default readDefaultRoutes (/proc/net/route) */
  defaultRoutes?: () => Promise<DefaultRoutes>;
}

type Excluded = Omit<ExcludedAddress, 'provider'>;

function addressExclusion(address: string, iface: string, ifaceVerdict: ReturnType<typeof classifyInterface>): Excluded | null {
  const cls = classifyAddress(address);
  if (cls === 'loopback')
    return { interface: iface, address, kind: 'loopback', why: 'loopback address: proposed as type loopback, never as lan' };
  if (cls === 'link-local') {
    return {
      interface: iface,
      address,
      kind: 'link-local',
      why: 'link-local address (169.254/16, fe80::/10): browsers cannot use it in a URL',
    };
  }
  if (cls === 'tailscale') return { interface: iface, address, kind: 'tailscale', why: 'Tailscale IPv6 range fd7a:115c:a1e0::/48' };
  if (ifaceVerdict.exclusion === 'tailscale' || (cls === 'cgnat' && ifaceVerdict.exclusion === 'vpn-tunnel')) {
    return { interface: iface, address, kind: 'tailscale', why: `100.64/10 address on ${ifaceVerdict.why}` };
  }
  if (ifaceVerdict.exclusion) return { interface: iface, address, kind: ifaceVerdict.exclusion, why: ifaceVerdict.why };
  return null;
}

/** Proposes loopback and LAN (IPv4, global and ULA IPv6) endpoints from this machine's interfaces. */
export function createLanProvider(options: LanProviderOptions = {}, deps: LanProviderDeps = {}): Provider {
  const config = Object.freeze(LanProviderOptions.parse(options));
  const interfaces = deps.networkInterfaces ?? os.networkInterfaces;
  const factsOf = deps.interfaceFacts ?? ((name: string) => readInterfaceFacts(name));
  const routes = deps.defaultRoutes ?? readDefaultRoutes;

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const { backend, scheme, listen } = ctx;
    const port = backend.port;
    const url = (host: string): string => `${scheme}://${formatUrlHost(host)}:${port}/`;
    const candidates: CandidateInput[] = [
      { type: 'loopback', url: url('127.0.0.1'), label: 'This machine (IPv4 loopback)', interface: 'lo' },
    ];
    const bound = listen?.addresses.map(normalizeAddress) ?? null;
    const v6Loopback = bound ? bound.includes('::1') || bound.includes('::') : config.includeIpv6Loopback;
    if (v6Loopback) candidates.push({ type: 'loopback', url: url('::1'), label: 'This machine (IPv6 loopback)', interface: 'lo' });

    const defaults = await routes();
    const excluded: Excluded[] = [];
    const lan: CandidateInput[] = [];
    for (const [name, infos] of Object.entries(interfaces())) {
      if (!infos) continue;
      const verdict = classifyInterface(name, factsOf(name));
      for (const info of infos) {
        if (info.internal && name === 'lo') continue;
        const address = normalizeAddress(info.address);
        const exclusion = addressExclusion(address, name, verdict);
        if (exclusion) {
          excluded.push(exclusion);
          continue;
        }
        const isV6 = info.family === 'IPv6';
        const hasDefaultRoute = name === (isV6 ? defaults.ipv6 : defaults.ipv4);
        lan.push({
          type: 'lan',
          url: url(address),
          label: `Local network (${name}${isV6 ? ', IPv6' : ''})`,
          interface: name,
          ...(hasDefaultRoute ? { hasDefaultRoute } : {}),
        });
      }
    }
    return { candidates: [...candidates, ...lan], excluded };
  }

  return Object.freeze({ id: 'lan', types: Object.freeze(['loopback', 'lan'] as const), discover });
}
