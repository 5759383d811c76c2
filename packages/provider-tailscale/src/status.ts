import * as z from 'zod';

// Lenient: the CLI's JSON "has changed between releases and might change more". Only the fields
// read here, each optional or nullable; unknown fields are ignored.
const RawStatus = z.looseObject({
  Version: z.string().nullish(),
  BackendState: z.string().nullish(),
  TailscaleIPs: z.array(z.string()).nullish(),
  MagicDNSSuffix: z.string().nullish(),
  CertDomains: z.array(z.string()).nullish(),
  CurrentTailnet: z
    .looseObject({ Name: z.string().nullish(), MagicDNSSuffix: z.string().nullish(), MagicDNSEnabled: z.boolean().nullish() })
    .nullish(),
  Self: z
    .looseObject({
      DNSName: z.string().nullish(),
      HostName: z.string().nullish(),
      Online: z.boolean().nullish(),
      TailscaleIPs: z.array(z.string()).nullish(),
      CapMap: z.record(z.string(), z.unknown()).nullish(),
      Capabilities: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/** What endpointd needs from `tailscale status --json`, renamed once. */
export interface TailscaleStatus {
  version: string | null;
  /** NoState, NeedsLogin, NeedsMachineAuth, Stopped, Starting, Running, … */
  backendState: string;
  ipv4: string[];
  ipv6: string[];
  /** FQDN without the trailing dot; null when logged out. */
  magicDnsName: string | null;
  magicDnsEnabled: boolean;
  certDomains: string[];
  canHttps: boolean;
  /** The "funnel" node attribute is set. */
  canFunnel: boolean;
  /**
   * Port ranges the `funnel-ports` attribute allows (`https://tailscale.com/cap/funnel-ports?ports=443,8443,10000`);
   * empty when absent, and then Funnel allows no port (tailscale ipn/serve.go CheckFunnelPort).
   */
  funnelPorts: Array<[number, number]>;
}

const FUNNEL_PORTS_CAP = 'https://tailscale.com/cap/funnel-ports';

/** Reads the funnel-ports attribute as ipn/serve.go CheckFunnelPort does: "443,8443,8080-8090". */
export function parseFunnelPorts(caps: Iterable<string>): Array<[number, number]> {
  for (const cap of caps) {
    if (!cap.startsWith(FUNNEL_PORTS_CAP)) continue;
    let url: URL;
    try {
      url = new URL(cap);
    } catch {
      return [];
    }
    const ports = url.searchParams.get('ports') ?? '';
    url.search = '';
    if (url.toString() !== FUNNEL_PORTS_CAP) return [];
    const ranges: Array<[number, number]> = [];
    for (const part of ports.split(',')) {
      const [first, last] = part.split('-');
      const a = Number(first);
      const b = last === undefined ? a : Number(last);
      if (part !== '' && Number.isInteger(a) && Number.isInteger(b) && a > 0 && b <= 65_535 && a <= b) ranges.push([a, b]);
    }
    return ranges;
  }
  return [];
}

/** Whether Funnel may serve `port` on this node. */
export function funnelAllows(status: Pick<TailscaleStatus, 'canFunnel' | 'funnelPorts'>, port: number): boolean {
  return status.canFunnel && status.funnelPorts.some(([a, b]) => port >= a && port <= b);
}

/** Parses `tailscale status --json`; throws on output that is not JSON of that shape. */
export function parseStatus(stdout: string): TailscaleStatus {
  const raw = RawStatus.parse(JSON.parse(stdout));
  const ips = raw.TailscaleIPs ?? raw.Self?.TailscaleIPs ?? [];
  const dnsName = raw.Self?.DNSName?.replace(/\.$/, '') || null;
  const caps = new Set([...Object.keys(raw.Self?.CapMap ?? {}), ...(raw.Self?.Capabilities ?? [])]);
  const certDomains = raw.CertDomains ?? [];
  return {
    version: raw.Version ?? null,
    backendState: raw.BackendState ?? 'NoState',
    ipv4: ips.filter((ip) => !ip.includes(':')),
    ipv6: ips.filter((ip) => ip.includes(':')),
    magicDnsName: dnsName,
    magicDnsEnabled: raw.CurrentTailnet?.MagicDNSEnabled === true,
    certDomains,
    canHttps: certDomains.length > 0 || caps.has('https'),
    canFunnel: [...caps].some((c) => c === 'funnel' || c.endsWith('/funnel')),
    funnelPorts: parseFunnelPorts(caps),
  };
}

/** Maps a BackendState that yields no endpoints to its reason. */
export function stateReason(
  state: string,
): 'logged-out' | 'needs-machine-auth' | 'tailscale-stopped' | 'tailscale-starting' | 'tailscaled-not-running' | null {
  switch (state) {
    case 'Running':
      return null;
    // ipn.State (tailscale ipn/backend.go): Starting is a running tailscaled still connecting.
    case 'Starting':
      return 'tailscale-starting';
    case 'NeedsLogin':
    case 'NoState':
    case 'InUseOtherUser':
      return 'logged-out';
    case 'NeedsMachineAuth':
      return 'needs-machine-auth';
    case 'Stopped':
      return 'tailscale-stopped';
    default:
      return 'tailscaled-not-running';
  }
}

/** Parses the first line of `tailscale version` (`1.94.1`). */
export function parseVersion(stdout: string): string | null {
  return stdout.split('\n')[0]?.trim() || null;
}
