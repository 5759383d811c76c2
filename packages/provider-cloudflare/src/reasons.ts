import * as z from 'zod';

/** Why a tunnel could not start or stay up. */
export const CloudflareReason = z.enum([
  'not-installed',
  'rate-limited',
  'no-network',
  'metrics-port-busy',
  'bad-token',
  'bad-credentials',
  'no-ingress-for-backend',
  'exited-early',
  'disconnected',
  'start-timeout',
  'unknown',
]);
export type CloudflareReason = z.infer<typeof CloudflareReason>;

/** One hint per reason; a test checks the table against the enum. */
export const CLOUDFLARE_HINTS: Readonly<Record<CloudflareReason, string>> = Object.freeze({
  'not-installed':
    'cloudflared was not found on PATH (or at ENDPOINTD_CLOUDFLARED_BIN): install it from developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads (endpointd never downloads it).',
  'rate-limited':
    'Cloudflare is rate-limiting quick tunnels from this network (error 1015 / 429): wait a few minutes, or use a named tunnel.',
  'no-network': 'cloudflared could not reach Cloudflare to create the tunnel: check this machine’s internet connection and DNS.',
  'metrics-port-busy': 'The metrics port endpointd picked was taken before cloudflared could bind it: endpointd retries with another port.',
  'bad-token':
    'The tunnel token is not valid: copy it again from the Cloudflare dashboard (Zero Trust → Networks → Tunnels) into the token file.',
  'bad-credentials':
    'The credentials file or ingress config was refused: check the tunnel id, the credentials file path, and that the file belongs to that tunnel.',
  'no-ingress-for-backend':
    'The tunnel connected, but none of its public hostnames in the Cloudflare dashboard points to this backend: add one (Networks → Tunnels → Public Hostname) whose service is http://localhost:PORT, then enable again.',
  'exited-early':
    'cloudflared exited before the tunnel was ready: see the last log lines in `endpoints doctor`; endpointd restarts it with backoff.',
  disconnected:
    'cloudflared runs but has no connection to Cloudflare’s edge (its /ready reports none): check this machine’s internet access and that outbound port 7844 is open; endpointd restarts it if that lasts.',
  'start-timeout': 'The tunnel did not become ready in time: check the network, then disable and enable it again.',
  unknown: 'cloudflared failed: see the last log lines in `endpoints doctor`.',
});
