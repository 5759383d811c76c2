import { isIP } from 'node:net';
import * as z from 'zod';

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `[USER@]HOST` from a user, split and checked before it can reach argv. */
export interface SshDestination {
  user: string | null;
  host: string;
}

/**
 * Parses `[USER@]HOST`. Anything that could be read by ssh as an option (a leading "-"), a
 * second "@", spaces or shell characters is refused: the value goes into argv after "--", and
 * still must be a plain name or address.
 */
export function parseDestination(value: string): SshDestination {
  const at = value.lastIndexOf('@');
  const user = at === -1 ? null : value.slice(0, at);
  let host = at === -1 ? value : value.slice(at + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (value.startsWith('-') || host.startsWith('-')) throw new Error(`"${value.slice(0, 40)}" looks like an ssh option, not a host`);
  if (user !== null && !USER.test(user)) throw new Error(`"${user.slice(0, 40)}" is not a valid user name`);
  if (isIP(host) === 0 && !HOSTNAME.test(host)) throw new Error(`"${host.slice(0, 60)}" is not a host name or IP address`);
  return { user, host };
}

/** The destination as ssh takes it. */
export function formatDestination(d: SshDestination): string {
  return d.user ? `${d.user}@${d.host}` : d.host;
}

/** Options of the ssh-reverse exposure; the host is validated by parseDestination. */
export const ReverseOptions = z
  .object({
    host: z.string().superRefine((v, ctx) => {
      try {
        parseDestination(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
    /** @default the backend's port */
    remotePort: z.number().int().min(1).max(65_535).optional(),
    /** The URL in front of the remote port (e.g. a proxy on the VPS). @default http://HOST:REMOTE_PORT/ */
    publicUrl: z.url({ protocol: /^https?$/, error: 'publicUrl must be an http(s) URL' }).optional(),
  })
  .strict();
export type ReverseOptions = z.infer<typeof ReverseOptions>;
