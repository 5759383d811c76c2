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
    'No answer from {address} within {timeoutMs} ms: a firewall is probably dropping the traffic; allow TCP port {port} on the way there.',
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
    'The tunnel process runs but is not connected to its edge ({detail}): nobody reaches the backend at {host} until it reconnects; check this machine’s internet access and that outbound port 7844 is open (endpointd restarts the tunnel if it lasts).',
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
  'plugin-load-failed':
    'The plugin {source} could not be loaded ({detail}): check the path in the config file and that the module imports on its own.',
  'plugin-invalid': 'The plugin {source} does not export a usable provider ({detail}): fix the plugin, or remove it from the config file.',
  'not-installed': '{tool} was not found on PATH (or at {binEnv}): install it ({installFrom}); endpointd never downloads tools.',
  'tool-timed-out': '{tool} did not answer within {timeoutMs} ms: check that it is healthy ({check}), then try again.',
  'bad-output': '{tool} printed something endpointd cannot read ({detail}): update it, or report its version.',
  'tool-failed': '{tool} failed ({detail}): run `endpoints doctor` to see its last log lines.',
  'exited-early':
    '{tool} exited before it was ready ({detail}): see its last log lines in `endpoints doctor`; endpointd restarts it with backoff.',
  'start-timed-out': '{tool} was not ready within {timeoutMs} ms: check the network; endpointd starts it again with backoff.',
  disconnected: 'The connection to {peer} dropped ({detail}): endpointd reconnects by itself, waiting 1 s doubling to 60 s between tries.',
  'tailscaled-not-running': 'tailscaled is not running: start it (e.g. `sudo systemctl start tailscaled`, or open the Tailscale app).',
  'logged-out': 'This machine is logged out of Tailscale: run `tailscale up` (or log in from the Tailscale app).',
  'needs-machine-auth': 'An admin must approve this machine in the Tailscale admin console before it can join the tailnet.',
  'tailscale-stopped': 'Tailscale is stopped on this machine: run `tailscale up` to connect.',
  'tailscale-starting':
    'Tailscale is still connecting to the tailnet: endpointd carries on by itself once it is up (check `tailscale status` if it stays so).',
  'magicdns-not-enabled': 'MagicDNS is off for this tailnet, so Serve has no name to use: enable MagicDNS in the admin console (DNS page).',
  'https-not-enabled': 'HTTPS certificates are not enabled for this tailnet: enable HTTPS in the admin console (DNS page), then try again.',
  'serve-not-enabled':
    'Tailscale Serve is not enabled for this tailnet yet: open the approval link, approve, and endpointd finishes by itself.',
  'funnel-not-available': 'Funnel is not allowed for this machine: add the "funnel" node attribute in the tailnet policy file.',
  'funnel-port-not-allowed':
    'The funnel-ports node attribute does not allow that port (by default Funnel serves 443, 8443 and 10000): choose an allowed one with --https-port.',
  'serve-access-denied': 'Your user may not change the serve config: run `sudo tailscale set --operator=$USER` once, then try again.',
  'serve-port-in-use':
    'That HTTPS port already serves something endpointd did not add, and it never shares or changes it: choose another with --https-port, or free it with `tailscale serve status`.',
  'serve-config-conflict': 'Another program was changing the serve config at the same moment: try again.',
  'rate-limited':
    'Cloudflare is rate-limiting quick tunnels from this network (error 1015 / 429): wait a few minutes, or use a named tunnel.',
  'no-network': 'cloudflared could not reach Cloudflare to create the tunnel: check this machine’s internet connection and DNS.',
  'metrics-port-busy': 'The metrics port endpointd picked was taken before cloudflared could bind it: endpointd retries with another port.',
  'tunnel-bad-token':
    'The tunnel token is not valid: copy it again from the Cloudflare dashboard (Zero Trust → Networks → Tunnels) into the token file.',
  'tunnel-bad-credentials':
    'The credentials file or ingress config was refused: check the tunnel id, the credentials file path, and that the file belongs to that tunnel.',
  'no-ingress-for-backend':
    'The tunnel connected, but none of its public hostnames in the Cloudflare dashboard points to this backend: add one (Networks → Tunnels → Public Hostname) whose service is http://localhost:PORT, then enable again.',
  'host-unknown': 'The host name does not resolve: check the spelling, or add a Host entry to ~/.ssh/config.',
  'sshd-unreachable': 'Nothing accepts SSH connections there: check that sshd runs on the server and that the port is open.',
  'auth-failed':
    'The server refused the key: add your public key to the server’s ~/.ssh/authorized_keys (endpointd never uses passwords or prompts).',
  'host-key-mismatch':
    'The server’s host key is unknown or changed: connect once with `ssh HOST` to check and accept it (if it changed, find out why first).',
  'remote-forward-failed':
    'The server refused to listen on the remote port: it is already in use, or sshd forbids it (AllowTcpForwarding / PermitListen); choose another with --remote-port.',
  'remote-bound-to-loopback':
    'The forward only listens on the server’s loopback, so nobody else can reach it: set GatewayPorts yes (or clientspecified) in the server’s sshd_config.',
  'relay-unreachable':
    'endpointd cannot reach the relay: check the relay URL, that endpointd-relay runs, and the proxy in front of it; endpointd keeps trying (1 s doubling to 60 s).',
  'relay-bad-token':
    'The relay refused the agent token: put one of the tokens from its --agent-token-file in the token file, then enable again.',
  'relay-name-refused':
    'The relay does not serve this name (it runs with --single another name, or the name is not one DNS label): use --name to pick the one it serves.',
  'relay-refused': 'The relay answered the connection with an error: check its logs and the proxy in front of it; endpointd keeps trying.',
  'relay-replaced':
    'Another machine connected to the relay under the same name and took it over: give this one another --name, then enable again.',
  'exposure-unverified':
    'The exposure’s URL did not verify within {seconds} s ({detail}): run `endpoints doctor`, then disable and enable it again.',
  expired: 'It was enabled for a limited time, and that time is up: enable it again to reopen it.',
  'provider-stopped':
    'The {provider} provider stopped supervising this exposure without saying why: enable it again, and report it to the provider’s author if it recurs.',
  'daemon-restarted':
    'The daemon restarted, so the events missed while reconnecting are gone: the snapshots that follow are the current state.',
  'too-far-behind': 'More events passed than the daemon keeps while this client was away: the snapshots that follow are the current state.',
  'stop-failed':
    'endpointd could not undo all of this exposure’s setup ({detail}): run `endpoints doctor`, and remove what is left by hand if it stays.',
});

/** Fills `{name}` placeholders; unknown ones are left visible rather than invented. */
export function fillTemplate(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

/** Fills a reason's hint template. */
export function formatHint(reason: Reason, vars: Readonly<Record<string, string | number>>): string {
  return fillTemplate(REASON_HINTS[reason], vars);
}
