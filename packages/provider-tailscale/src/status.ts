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
  canFunnel: boolean;
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
  };
}

/** Maps a BackendState that yields no endpoints to its reason. */
export function stateReason(state: string): 'logged-out' | 'needs-machine-auth' | 'stopped' | 'not-running' | null {
  switch (state) {
    case 'Running':
      return null;
    case 'NeedsLogin':
    case 'NoState':
    case 'InUseOtherUser':
      return 'logged-out';
    case 'NeedsMachineAuth':
      return 'needs-machine-auth';
    case 'Stopped':
      return 'stopped';
    default:
      return 'not-running';
  }
}

/** Parses the first line of `tailscale version` (`1.94.1`). */
export function parseVersion(stdout: string): string | null {
  return stdout.split('\n')[0]?.trim() || null;
}
