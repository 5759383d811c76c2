import { describe, expect, it } from 'vitest';
import { parseIpv4Routes, parseIpv6Routes } from './default-route.js';

describe('default route parsing', () => {
  it('picks the lowest-metric IPv4 default route that is up', () => {
    const text = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
wlan0	00000000	0101A8C0	0003	0	0	600	00000000	0	0	0
eth0	00000000	0100000A	0003	0	0	100	00000000	0	0	0
eth0	0000000A	00000000	0001	0	0	100	00FFFFFF	0	0	0
`;
    expect(parseIpv4Routes(text)).toBe('eth0');
  });
  it('ignores reject routes and lo for IPv6', () => {
    const zero = '0'.repeat(32);
    const text = [
      `${zero} 00 ${zero} 00 ${zero} ffffffff 00000001 00000000 00200200 lo`,
      `${zero} 00 ${zero} 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0`,
      `fd000000000000000000000000000000 40 ${zero} 00 ${zero} 00000100 00000001 00000000 00000001 eth0`,
    ].join('\n');
    expect(parseIpv6Routes(text)).toBe('eth0');
  });
  it('answers null without a default route', () => {
    expect(parseIpv4Routes('Iface\tDestination\n')).toBeNull();
  });
});
