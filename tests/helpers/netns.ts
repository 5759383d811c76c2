import { execa } from 'execa';

/** Runs `ip` with an argument array (never a shell string). */
export async function ip(...args: string[]): Promise<void> {
  await execa('ip', args);
}

/** Creates a namespace with loopback up; returns its name. Deleting the namespace removes everything in it. */
export async function addNamespace(name: string): Promise<string> {
  await execa('ip', ['netns', 'del', name], { reject: false });
  await ip('netns', 'add', name);
  await ip('-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await execa('ip', ['netns', 'del', name], { reject: false });
}

/** Loads an nftables ruleset inside a namespace. */
export async function nft(ns: string, ruleset: string): Promise<void> {
  await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: ruleset });
}

/**
 * Two hosts on one "LAN" (a veth pair named eth0 on both sides): `host` runs the backend and
 * endpointd, `client` is the other device. Addresses are inside namespaces this test made.
 */
export interface LanTopology {
  host: string;
  client: string;
  hostV4: string;
  clientV4: string;
  hostV6: string;
  hostLinkLocal: string;
  destroy(): Promise<void>;
}

export const LAN_PREFIX_V4 = '10.77.1';

export async function createLanTopology(tag: string): Promise<LanTopology> {
  const host = await addNamespace(`epd-${tag}-h`);
  const client = await addNamespace(`epd-${tag}-c`);
  const t: LanTopology = {
    host,
    client,
    hostV4: `${LAN_PREFIX_V4}.1`,
    clientV4: `${LAN_PREFIX_V4}.2`,
    hostV6: 'fd00:77::1',
    hostLinkLocal: 'fe80::77:1',
    destroy: async () => {
      await deleteNamespace(host);
      await deleteNamespace(client);
    },
  };
  try {
    await ip('-n', host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
    for (const [ns, v4, v6] of [
      [host, t.hostV4, t.hostV6],
      [client, t.clientV4, 'fd00:77::2'],
    ] as const) {
      await ip('-n', ns, 'addr', 'add', `${v4}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'addr', 'add', `${v6}/64`, 'dev', 'eth0', 'nodad');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    await ip('-n', host, 'addr', 'add', `${t.hostLinkLocal}/64`, 'dev', 'eth0', 'nodad');
    await ip('-n', host, 'route', 'add', 'default', 'via', t.clientV4);
    await ip('-n', host, '-6', 'route', 'add', 'default', 'via', 'fd00:77::2', 'dev', 'eth0');
  } catch (err) {
    await t.destroy();
    throw err;
  }
  return t;
}

/**
 * A container bridge with a veth port (as Docker makes them; the port gives it carrier) and a
 * Tailscale-like interface. veth ends stand in for dummy devices, which some kernels lack.
 */
export async function addVirtualInterfaces(ns: string): Promise<{ dockerV4: string; tailscaleV4: string; tailscaleV6: string }> {
  await ip('-n', ns, 'link', 'add', 'docker0', 'type', 'bridge');
  await ip('-n', ns, 'link', 'add', 'vethd0', 'type', 'veth', 'peer', 'name', 'vethd1');
  await ip('-n', ns, 'link', 'set', 'vethd0', 'master', 'docker0');
  await ip('-n', ns, 'link', 'set', 'vethd0', 'up');
  await ip('-n', ns, 'link', 'set', 'vethd1', 'up');
  await ip('-n', ns, 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0');
  await ip('-n', ns, 'link', 'set', 'docker0', 'up');
  await waitForCarrier(ns, 'docker0');
  await ip('-n', ns, 'link', 'add', 'tailscale0', 'type', 'veth', 'peer', 'name', 'tspeer0');
  await ip('-n', ns, 'link', 'set', 'tspeer0', 'up');
  await ip('-n', ns, 'addr', 'add', '100.101.102.103/32', 'dev', 'tailscale0');
  await ip('-n', ns, 'addr', 'add', 'fd7a:115c:a1e0::1234/128', 'dev', 'tailscale0', 'nodad');
  await ip('-n', ns, 'link', 'set', 'tailscale0', 'up');
  await waitForCarrier(ns, 'tailscale0');
  return { dockerV4: '172.17.0.1', tailscaleV4: '100.101.102.103', tailscaleV6: 'fd7a:115c:a1e0::1234' };
}

const CARRIER_WAIT_MS = 5_000;
const CARRIER_POLL_MS = 50;

/** Waits (bounded) until a device has carrier: Node lists only interfaces that are up and running. */
export async function waitForCarrier(ns: string, dev: string): Promise<void> {
  const deadline = Date.now() + CARRIER_WAIT_MS;
  while (Date.now() < deadline) {
    const { stdout } = await execa('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev]);
    const [link] = JSON.parse(stdout) as Array<{ flags?: string[] }>;
    if (link?.flags?.includes('LOWER_UP')) return;
    await new Promise((r) => setTimeout(r, CARRIER_POLL_MS));
  }
  throw new Error(`${dev} in ${ns} has no carrier after ${CARRIER_WAIT_MS} ms`);
}

/**
 * Three machines for the relay: `relay` (a public server) between `agent` (the machine with the
 * backend and endpointd, 10.78.1.0/24) and `client` (a phone, 10.78.2.0/24). The relay does not
 * route between them, so the client reaches the backend only through the relay.
 */
export interface RelayTopology {
  relay: string;
  agent: string;
  client: string;
  /** The relay's address as the agent sees it, and as the client sees it. */
  relayForAgent: string;
  relayForClient: string;
  destroy(): Promise<void>;
}

export async function createRelayTopology(tag: string): Promise<RelayTopology> {
  const relay = await addNamespace(`epd-${tag}-r`);
  const agent = await addNamespace(`epd-${tag}-a`);
  const client = await addNamespace(`epd-${tag}-c`);
  const t: RelayTopology = {
    relay,
    agent,
    client,
    relayForAgent: '10.78.1.1',
    relayForClient: '10.78.2.1',
    destroy: async () => {
      for (const ns of [relay, agent, client]) await deleteNamespace(ns);
    },
  };
  try {
    for (const [peer, subnet] of [
      [agent, '10.78.1'],
      [client, '10.78.2'],
    ] as const) {
      await ip(
        '-n',
        relay,
        'link',
        'add',
        `to-${peer === agent ? 'agent' : 'client'}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        peer,
      );
      await ip('-n', relay, 'addr', 'add', `${subnet}.1/24`, 'dev', `to-${peer === agent ? 'agent' : 'client'}`);
      await ip('-n', relay, 'link', 'set', `to-${peer === agent ? 'agent' : 'client'}`, 'up');
      await ip('-n', peer, 'addr', 'add', `${subnet}.2/24`, 'dev', 'eth0');
      await ip('-n', peer, 'link', 'set', 'eth0', 'up');
      await ip('-n', peer, 'route', 'add', 'default', 'via', `${subnet}.1`);
    }
  } catch (err) {
    await t.destroy();
    throw err;
  }
  return t;
}
