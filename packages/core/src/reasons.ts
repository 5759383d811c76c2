import type { Reason } from './schema/reason.js';

/**
 * One hint sentence per reason. `{name}` placeholders are filled from the failure's context; a
 * test checks that this table, the zod enum and the README's list agree.
 */
export const REASON_HINTS: Readonly<Record<Reason, string>> = Object.freeze({
  'backend-not-listening':
    'Nothing is listening on port {backendPort} on this machine (the backend stopped listening, or has not started): start it, or check its port.',
  'bound-to-loopback':
    'The backend listens on {bound} only, so other devices cannot reach it: restart it bound to {wildcard} (all interfaces), e.g. HOST={wildcard}.',
  'bound-to-other-loopback':
    'The backend listens on {bound} only, not on {host}: open it at the {bound} URL instead, or bind it to :: (or localhost on both 127.0.0.1 and ::1).',
  'bound-to-other-address': 'The backend listens on {bound} only, not on {address}: bind it to {wildcard} (all interfaces) or to {host}.',
  'bound-to-ipv4-only':
    'The backend listens on IPv4 only ({bound}), so it cannot be reached at {address}: bind it to :: to serve IPv4 and IPv6 alike.',
  'connection-refused':
    '{address} refused the connection on port {port} although the backend listens on all interfaces: check the firewall rules for port {port}.',
  'proxy-refused':
    '{address} refused the connection: the proxy, tunnel or forward that should answer on port {port} in front of the backend is not running or listens elsewhere; start it, or fix its port.',
  'timed-out':
    'No answer from {address} within {timeoutMs} ms: a firewall is probably dropping the traffic; allow TCP port {port} on that interface.',
  'connection-reset':
    '{address} closed the connection without an HTTP answer: the port may speak another protocol (http vs https), or a filter resets it.',
  'no-route': 'This machine has no route to {address}: the interface may be down or the address gone; refresh the list.',
  'dns-failed': '{host} does not resolve from this machine: check the name and its DNS records.',
  'dns-not-yet-public':
    '{host} was just created and is not in public DNS yet ({detail}): it is checked again shortly, and not looked up through this machine’s resolver until then, so no “does not exist” answer gets cached for it.',
  'identity-mismatch':
    'Another server answers at {address}, not this backend: stop the other program there or move the backend to a free port.',
  'host-not-allowed':
    'The backend refuses requests for the host name {host} ({detail}): add "{host}" to that setting, then refresh; a tunnel or proxy name must be allowed there.',
  'identity-unavailable':
    'The identity check could not read {detail} from the backend on loopback: fix the identity setting or the backend.',
  'proxy-bad-gateway':
    'The proxy or tunnel at {host} answered {httpStatus} because it cannot reach the backend: check that the backend runs and that the proxy targets port {backendPort}.',
  'tunnel-disconnected':
    'The tunnel process runs but is not connected to its edge ({detail}): nobody reaches the backend at {host} until it reconnects; check this machine’s internet access (endpointd restarts the tunnel if it lasts).',
  'tls-untrusted':
    'The certificate of {host} is not trusted ({detail}): use one from a trusted CA or add your CA to the system store; browsers will refuse it.',
  'websocket-failed':
    'HTTP works at {url} but the WebSocket upgrade failed: anything in between must forward the Upgrade and Connection headers.',
  'sshd-not-running':
    'No SSH server listens on this machine, so clients cannot open this forward: install and start openssh-server (sshd).',
  'ssh-forwarding-disabled':
    'sshd forbids TCP forwarding ({detail}): set AllowTcpForwarding yes (and PermitOpen any) in sshd_config, then reload sshd.',
  'sshd-not-on-lan':
    'sshd listens on {detail} only, so other devices cannot reach it: set ListenAddress to 0.0.0.0 (or remove it) in sshd_config.',
  'provider-timed-out':
    'The {provider} provider did not answer within {timeoutMs} ms; its endpoints are missing from this list. Try again, or run `endpoints doctor`.',
  'provider-failed': 'The {provider} provider failed ({detail}); its endpoints are missing from this list. Run `endpoints doctor`.',
  'invalid-candidate':
    'The {provider} provider proposed something that is not a usable URL ({detail}): it was left out of the list; report it to the provider’s author.',
});

/** Fills `{name}` placeholders; unknown ones are left visible rather than invented. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

/** Fills a reason's hint template. */
export function formatHint(reason: Reason, vars: Readonly<Record<string, string | number>>): string {
  return fillTemplate(REASON_HINTS[reason], vars);
}
