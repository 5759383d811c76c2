import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyInterface, readInterfaceFacts } from './interface-kind.js';

describe('classifyInterface', () => {
  it.each([
    ['docker0', 'container-bridge'],
    ['br-0123456789ab', 'container-bridge'],
    ['cni0', 'container-bridge'],
    ['veth1a2b3c', 'container-veth'],
    ['virbr0', 'virtual-machine'],
    ['vboxnet0', 'virtual-machine'],
    ['tailscale0', 'tailscale'],
    ['wg0', 'vpn-tunnel'],
    ['utun3', 'vpn-tunnel'],
  ])('%s is left out as %s', (name, exclusion) => {
    expect(classifyInterface(name, { sysfsKind: 'other' }).exclusion).toBe(exclusion);
  });
  it.each(['eth0', 'enp3s0', 'wlan0', 'en0', 'br0', 'bond0'])('%s carries LAN addresses', (name) => {
    expect(classifyInterface(name, { sysfsKind: name === 'br0' ? 'bridge' : 'other' }).exclusion).toBeNull();
  });
  it('recognises tun and WireGuard devices from sysfs whatever their name', () => {
    expect(classifyInterface('corpvpn', { sysfsKind: 'tun' }).exclusion).toBe('vpn-tunnel');
    expect(classifyInterface('office', { sysfsKind: 'wireguard' }).exclusion).toBe('vpn-tunnel');
  });
});

describe('readInterfaceFacts', () => {
  it('reads bridge, tun and wireguard markers from a sysfs tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'sysfs-'));
    mkdirSync(join(root, 'br0', 'bridge'), { recursive: true });
    mkdirSync(join(root, 'tun7'));
    writeFileSync(join(root, 'tun7', 'tun_flags'), '0x1001');
    mkdirSync(join(root, 'wg1'));
    writeFileSync(join(root, 'wg1', 'uevent'), 'DEVTYPE=wireguard\nINTERFACE=wg1\n');
    mkdirSync(join(root, 'eth0'));
    writeFileSync(join(root, 'eth0', 'uevent'), 'INTERFACE=eth0\n');
    expect(readInterfaceFacts('br0', root).sysfsKind).toBe('bridge');
    expect(readInterfaceFacts('tun7', root).sysfsKind).toBe('tun');
    expect(readInterfaceFacts('wg1', root).sysfsKind).toBe('wireguard');
    expect(readInterfaceFacts('eth0', root).sysfsKind).toBe('other');
    expect(readInterfaceFacts('en0', root).sysfsKind).toBeNull();
  });
});
