import * as z from 'zod';

/** Why the Tailscale CLI could not do what was asked. Kebab-case, naming the cause. */
export const TailscaleReason = z.enum([
  'not-installed',
  'not-running',
  'logged-out',
  'needs-machine-auth',
  'stopped',
  'starting',
  'magicdns-not-enabled',
  'https-not-enabled',
  'serve-not-enabled',
  'funnel-not-available',
  'funnel-port-not-allowed',
  'access-denied',
  'port-in-use',
  'config-conflict',
  'timeout',
  'bad-output',
  'unknown',
]);
export type TailscaleReason = z.infer<typeof TailscaleReason>;

/** One hint per reason; a test checks the table against the enum. */
export const TAILSCALE_HINTS: Readonly<Record<TailscaleReason, string>> = Object.freeze({
  'not-installed':
    'The tailscale CLI was not found on PATH (or at ENDPOINTD_TAILSCALE_BIN): install Tailscale from tailscale.com/download.',
  'not-running': 'tailscaled is not running: start it (e.g. `sudo systemctl start tailscaled`, or open the Tailscale app).',
  'logged-out': 'This machine is logged out of Tailscale: run `tailscale up` (or log in from the Tailscale app).',
  'needs-machine-auth': 'An admin must approve this machine in the Tailscale admin console before it can join the tailnet.',
  stopped: 'Tailscale is stopped on this machine: run `tailscale up` to connect.',
  starting:
    'Tailscale is still connecting to the tailnet: endpointd carries on by itself once it is up (check `tailscale status` if it stays so).',
  'magicdns-not-enabled': 'MagicDNS is off for this tailnet, so Serve has no name to use: enable MagicDNS in the admin console (DNS page).',
  'https-not-enabled': 'HTTPS certificates are not enabled for this tailnet: enable HTTPS in the admin console (DNS page), then try again.',
  'serve-not-enabled':
    'Tailscale Serve is not enabled for this tailnet yet: open the approval link, approve, and endpointd finishes by itself.',
  'funnel-not-available': 'Funnel is not allowed for this machine: add the "funnel" node attribute in the tailnet policy file.',
  'funnel-port-not-allowed':
    'The funnel-ports node attribute does not allow that port (by default Funnel serves 443, 8443 and 10000): choose an allowed one with --https-port.',
  'access-denied': 'Your user may not change the serve config: run `sudo tailscale set --operator=$USER` once, then try again.',
  'port-in-use':
    'That HTTPS port already serves something endpointd did not add, and it never shares or changes it: choose another with --https-port, or free it with `tailscale serve status`.',
  'config-conflict': 'Another program was changing the serve config at the same moment: try again.',
  timeout: 'The tailscale CLI did not answer in time: check that tailscaled is healthy (`tailscale status`).',
  'bad-output': 'The tailscale CLI printed something endpointd cannot read: update Tailscale, or report the version.',
  unknown: 'The tailscale CLI failed: run `endpoints doctor`, and `tailscale status` to see more.',
});
