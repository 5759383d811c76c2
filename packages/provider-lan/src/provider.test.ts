import type { NetworkInterfaceInfo } from 'node:os';
import { Backend, type DiscoverContext } from '@endpointd/core';
import { describe, expect, it } from 'vitest';
import { createLanProvider } from './provider.js';

function info(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  return family === 'IPv4'
    ? { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:01', cidr: null }
    : { address, family, internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:01', cidr: null, scopeid: 0 };
}

const interfaces = {
  lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
  wlan0: [info('192.168.1.20', 'IPv4'), info('2001:db8::20', 'IPv6'), info('fe80::1', 'IPv6')],
  eth0: [info('10.0.0.4', 'IPv4'), info('fd00::4', 'IPv6')],
  docker0: [info('172.17.0.1', 'IPv4')],
  tailscale0: [info('100.80.90.53', 'IPv4'), info('fd7a:115c:a1e0::53', 'IPv6')],
  wg0: [info('10.66.0.2', 'IPv4')],
};

function ctx(listen: DiscoverContext['listen']): DiscoverContext {
  return {
    backend: Backend.parse({ name: 'app', port: 3000 }),
    scheme: 'http',
    listen,
    signal: new AbortController().signal,
    fresh: false,
  };
}

const provider = createLanProvider(
  {},
  {
    networkInterfaces: () => interfaces,
    interfaceFacts: () => ({ sysfsKind: 'other' }),
    defaultRoutes: async () => ({ ipv4: 'eth0', ipv6: 'eth0' }),
  },
);

describe('LAN provider', () => {
  it('proposes loopback and LAN addresses only, each with its interface', async () => {
    const { candidates } = await provider.discover(ctx({ listening: true, addresses: ['::'] }));
    expect(candidates.map((c) => [c.type, c.url])).toEqual([
      ['loopback', 'http://127.0.0.1:3000/'],
      ['loopback', 'http://[::1]:3000/'],
      ['lan', 'http://192.168.1.20:3000/'],
      ['lan', 'http://[2001:db8::20]:3000/'],
      ['lan', 'http://10.0.0.4:3000/'],
      ['lan', 'http://[fd00::4]:3000/'],
    ]);
    expect(candidates.filter((c) => c.hasDefaultRoute).map((c) => c.interface)).toEqual(['eth0', 'eth0']);
    expect(candidates.find((c) => c.url.includes('192.168'))?.label).toBe('Local network (wlan0)');
  });
  it('says why each other address was left out', async () => {
    const { excluded = [] } = await provider.discover(ctx(null));
    expect(excluded.map((x) => [x.address, x.kind])).toEqual([
      ['fe80::1', 'link-local'],
      ['172.17.0.1', 'container-bridge'],
      ['100.80.90.53', 'tailscale'],
      ['fd7a:115c:a1e0::53', 'tailscale'],
      ['10.66.0.2', 'vpn-tunnel'],
    ]);
  });
  it('proposes [::1] only when the backend listens there', async () => {
    const { candidates } = await provider.discover(ctx({ listening: true, addresses: ['127.0.0.1'] }));
    expect(candidates.filter((c) => c.type === 'loopback').map((c) => c.url)).toEqual(['http://127.0.0.1:3000/']);
  });
  it('uses https URLs when the backend speaks TLS', async () => {
    const { candidates } = await provider.discover({ ...ctx(null), scheme: 'https' });
    expect(candidates.every((c) => c.url.startsWith('https://'))).toBe(true);
  });
});
