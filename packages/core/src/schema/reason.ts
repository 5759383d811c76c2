import * as z from 'zod';

/**
 * Every reason a client can see — why a candidate failed verification, why a provider cannot
 * answer, why an exposure is not up — in one closed set. Kebab-case, naming the cause rather than
 * the symptom; the same cause has the same name wherever it shows (a tool that does not answer in
 * time is `tool-timed-out` for every tool). Each has exactly one hint template in reasons.ts.
 */
export const Reason = z.enum([
  // Verifying a candidate endpoint.
  'backend-not-listening',
  'bound-to-loopback',
  'bound-to-other-loopback',
  'bound-to-other-address',
  'bound-to-ipv4-only',
  'connection-refused',
  'proxy-refused',
  'timed-out',
  'connection-reset',
  'dns-failed',
  'dns-not-yet-public',
  'no-route',
  'identity-mismatch',
  'host-not-allowed',
  'identity-unavailable',
  'proxy-bad-gateway',
  'tunnel-disconnected',
  'tls-untrusted',
  'websocket-failed',
  'sshd-not-running',
  'ssh-forwarding-disabled',
  'sshd-not-on-lan',
  // Providers and plugins.
  'provider-timed-out',
  'provider-failed',
  'invalid-candidate',
  'plugin-load-failed',
  'plugin-invalid',
  // Any external tool.
  'not-installed',
  'tool-timed-out',
  'bad-output',
  'tool-failed',
  'exited-early',
  'start-timed-out',
  'disconnected',
  // Tailscale.
  'tailscaled-not-running',
  'logged-out',
  'needs-machine-auth',
  'tailscale-stopped',
  'tailscale-starting',
  'magicdns-not-enabled',
  'https-not-enabled',
  'serve-not-enabled',
  'funnel-not-available',
  'funnel-port-not-allowed',
  'serve-access-denied',
  'serve-port-in-use',
  'serve-config-conflict',
  // Cloudflare tunnels.
  'rate-limited',
  'no-network',
  'metrics-port-busy',
  'tunnel-bad-token',
  'tunnel-bad-credentials',
  'no-ingress-for-backend',
  // SSH reverse forwards.
  'host-unknown',
  'sshd-unreachable',
  'auth-failed',
  'host-key-mismatch',
  'remote-forward-failed',
  'remote-bound-to-loopback',
  // The relay.
  'relay-unreachable',
  'relay-bad-token',
  'relay-name-refused',
  'relay-refused',
  'relay-replaced',
  // The exposure itself.
  'expired',
  'exposure-unverified',
  'provider-stopped',
  'stop-failed',
  // The event stream.
  'daemon-restarted',
  'too-far-behind',
]);
export type Reason = z.infer<typeof Reason>;

/**
 * Names earlier versions wrote into state.json (`ExposureRecord.failed.reason`), read as today's,
 * so an upgrade does not drop a remembered failure.
 */
const RENAMED: Readonly<Record<string, Reason>> = {
  timeout: 'tool-timed-out',
  'start-timeout': 'start-timed-out',
  unknown: 'tool-failed',
  'not-running': 'tailscaled-not-running',
  stopped: 'tailscale-stopped',
  starting: 'tailscale-starting',
  'access-denied': 'serve-access-denied',
  'port-in-use': 'serve-port-in-use',
  'config-conflict': 'serve-config-conflict',
  'bad-token': 'tunnel-bad-token',
  'bad-credentials': 'tunnel-bad-credentials',
  'relay-disconnected': 'disconnected',
};

/** A reason read from disk: renamed ones mapped, anything else unknown becomes `tool-failed`. */
export const StoredReason = z.preprocess((v) => (typeof v === 'string' && v in RENAMED ? RENAMED[v] : v), Reason.catch('tool-failed'));
