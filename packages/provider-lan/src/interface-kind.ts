import { existsSync, readFileSync } from 'node:fs';

/** Why an interface's addresses are not LAN endpoints; null means they are. */
export type InterfaceExclusion = 'container-bridge' | 'container-veth' | 'tailscale' | 'vpn-tunnel' | 'virtual-machine';

export interface InterfaceVerdict {
  exclusion: InterfaceExclusion | null;
  /** How it was recognised, in words (shown by `list --all`). */
  why: string;
}

/** Facts about an interface read from the OS; injected so the classifier is testable without one. */
export interface InterfaceFacts {
  /** sysfs "kind" markers: "bridge", "tun", "wireguard", "veth"-like; null where sysfs is absent. */
  sysfsKind: 'bridge' | 'tun' | 'wireguard' | 'other' | null;
}

// Names container runtimes, hypervisors and VPNs give their devices. `br0`/`eth0` are not here on
// purpose: a bridge named br0 usually carries the real LAN, and inside a container eth0 is a veth
// that is the machine's LAN.
const NAME_RULES: ReadonlyArray<readonly [RegExp, InterfaceExclusion, string]> = [
  [/^tailscale\d*$/, 'tailscale', 'Tailscale interface name'],
  [
    /^docker\d+$|^br-[0-9a-f]{12}$|^podman\d*$|^cni\d*$|^flannel|^cali|^cilium|^kube-|^weave|^lxcbr\d*$|^lxdbr\d*$|^incusbr\d*$/,
    'container-bridge',
    'container network device name',
  ],
  [/^veth|^vnet\d/, 'container-veth', 'virtual Ethernet pair name'],
  [/^virbr\d|^vboxnet\d|^vmnet\d|^vmenet\d|^bridge\d+$/, 'virtual-machine', 'hypervisor network name'],
  [/^wg\d|^tun\d|^tap\d|^ppp\d|^ipsec|^utun\d|^zt[0-9a-z]{6,}$|^nordlynx|^proton|^mullvad/, 'vpn-tunnel', 'VPN or tunnel device name'],
];

/** Reads the few sysfs files that tell a device's kind (Linux); null elsewhere. Costs microseconds, spawns nothing. */
export function readInterfaceFacts(name: string, sysfsRoot = '/sys/class/net'): InterfaceFacts {
  const dir = `${sysfsRoot}/${name}`;
  if (!existsSync(dir)) return { sysfsKind: null };
  if (existsSync(`${dir}/bridge`)) return { sysfsKind: 'bridge' };
  if (existsSync(`${dir}/tun_flags`)) return { sysfsKind: 'tun' };
  try {
    if (/^DEVTYPE=wireguard$/m.test(readFileSync(`${dir}/uevent`, 'utf8'))) return { sysfsKind: 'wireguard' };
  } catch {
    // uevent unreadable: the name rules still apply.
  }
  return { sysfsKind: 'other' };
}

/**
 * Decides whether an interface's addresses may be LAN endpoints. Name rules come first (they
 * carry the intent: docker0 is a bridge, tailscale0 a tun); then sysfs marks tun and WireGuard
 * devices as VPN tunnels.
 */
export function classifyInterface(name: string, facts: InterfaceFacts): InterfaceVerdict {
  for (const [pattern, exclusion, why] of NAME_RULES) {
    if (pattern.test(name)) return { exclusion, why: `${why} (${name})` };
  }
  if (facts.sysfsKind === 'tun') return { exclusion: 'vpn-tunnel', why: `tun/tap device (${name} has /sys/class/net/${name}/tun_flags)` };
  if (facts.sysfsKind === 'wireguard') return { exclusion: 'vpn-tunnel', why: `WireGuard device (uevent DEVTYPE=wireguard)` };
  return { exclusion: null, why: facts.sysfsKind === 'bridge' ? 'bridge with a LAN-like name' : 'network interface' };
}
