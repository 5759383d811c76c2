import * as z from 'zod';
import { Scope } from './endpoint.js';

/** How the verifier tells this backend's answer from any other server's. */
export const IdentityCheck = z.discriminatedUnion('kind', [
  /** Default: status, content type and body hash of the loopback answer (weaker when the page changes). */
  z.object({ kind: z.literal('fingerprint') }),
  /** A JSON document at `path` whose `field` (dot path) must equal the loopback answer's. */
  z.object({
    kind: z.literal('json-field'),
    path: z.string().startsWith('/', 'path must start with "/"'),
    field: z.string().min(1),
  }),
  /** A response header that must equal `value`, or the loopback answer's value when absent. */
  z.object({
    kind: z.literal('header'),
    name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'),
    value: z.string().optional(),
  }),
  /** Any HTTP answer counts: for backends whose answers cannot be compared. */
  z.object({ kind: z.literal('none') }),
]);
export type IdentityCheck = z.infer<typeof IdentityCheck>;

/** A URL the user runs in front of the backend (e.g. a reverse proxy), proposed as type "custom". */
export const CustomUrl = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  label: z.string().min(1).max(80).optional(),
  /** Defaults to the scope of the address the URL resolves to. */
  scope: Scope.optional(),
});
export type CustomUrl = z.infer<typeof CustomUrl>;

export const BackendName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'use 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A service on this machine that people want to reach from other devices. */
export const Backend = z.object({
  name: BackendName,
  port: z.number().int().min(1).max(65535),
  /** @default "/" */
  probePath: z.string().startsWith('/', 'probe path must start with "/"').default('/'),
  /** @default { kind: "fingerprint" } */
  identity: IdentityCheck.default({ kind: 'fingerprint' }),
  /** Path of a WebSocket the backend serves; null means no upgrade check. @default null */
  websocketPath: z.string().startsWith('/').nullable().default(null),
  /** @default [] */
  customUrls: z.array(CustomUrl).default([]),
});
export type Backend = z.infer<typeof Backend>;
export type BackendInput = z.input<typeof Backend>;
