import * as z from 'zod';

/**
 * Why a candidate failed verification or a provider could not answer. Kebab-case, naming the
 * cause rather than the symptom. Each has exactly one hint template in reasons.ts.
 */
export const Reason = z.enum([
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
  'provider-timed-out',
  'provider-failed',
  'invalid-candidate',
]);
export type Reason = z.infer<typeof Reason>;
