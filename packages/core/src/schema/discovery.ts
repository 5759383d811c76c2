import * as z from 'zod';
import { BackendName, IdentityCheck } from './backend.js';

/** What a discovered service was recognised as (see APP_FINGERPRINTS); "http" and "tcp" are the generic labels. */
export const DiscoveredApp = z.object({
  /** Stable id, e.g. "t3code", "vite", "http" (an unrecognised HTTP server), "tcp" (not HTTP). */
  id: z.string(),
  label: z.string(),
});
export type DiscoveredApp = z.infer<typeof DiscoveredApp>;

/** A listening TCP service of this machine, as `endpoints discover` and GET /v1/discovered show it. */
export const DiscoveredService = z.object({
  port: z.number().int().min(1).max(65535),
  /** Bound local addresses ("0.0.0.0", "::", "127.0.0.1", …): the bind hint before any probe. */
  addresses: z.array(z.string()),
  /** "all-interfaces" reaches the LAN; "loopback-only" only this machine (Serve, tunnels and SSH still work). */
  bind: z.enum(['all-interfaces', 'loopback-only', 'specific-addresses']),
  /** The owner, when the OS lets this user see it (null for another user's process). */
  pid: z.number().int().nullable(),
  command: z.string().nullable(),
  commandLine: z.array(z.string()).nullable(),
  cwd: z.string().nullable(),
  app: DiscoveredApp,
  /** What the port speaks, when it answered HTTP(S) on loopback. */
  scheme: z.enum(['http', 'https']).nullable(),
  /** The identity check a backend for this service should use (from its fingerprint). */
  identity: IdentityCheck,
  /** A backend name to adopt it under. */
  suggestedName: BackendName,
  /** The configured backend already serving this port, if any. */
  backend: z.string().nullable(),
});
export type DiscoveredService = z.infer<typeof DiscoveredService>;

/** POST /v1/discovered/adopt: make a discovered service a backend, by port or pid. */
export const AdoptRequest = z
  .object({
    port: z.number().int().min(1).max(65535).optional(),
    pid: z.number().int().min(1).optional(),
    /** @default the service's suggested name */
    name: BackendName.optional(),
  })
  .strict()
  .refine((r) => r.port !== undefined || r.pid !== undefined, { error: 'give the port or the pid of a discovered service' });
export type AdoptRequest = z.infer<typeof AdoptRequest>;
