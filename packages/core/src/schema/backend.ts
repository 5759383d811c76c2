import * as z from 'zod';
import { Scope } from './endpoint.js';

/**
 * A path on the backend's own origin ("/health", "/api?x=1"): what probes request. Anything that
 * a URL parser could read as another origin ("//host", "/http://host", a backslash) or that
 * could split a request line (CR, LF, other control characters, spaces) is refused, so a probe
 * can only ever go to the candidate it verifies.
 */
export const UrlPath = z
  .string()
  .max(2048, 'path is too long (2048 characters at most)')
  .refine((p) => p.startsWith('/'), 'must be a path starting with "/"')
  .refine((p) => !p.startsWith('//'), 'must be a path on the backend, not "//host…" (that names another server)')
  .refine(
    (p) => ![...p].some((c) => c === '\\' || c === '#' || /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
    'must not contain spaces, backslashes, "#" or control characters (CR, LF, …)',
  )
  .refine((p) => !/^\/[a-z][a-z0-9+.-]*:\/\//i.test(p), 'must be a path, not a URL');

/** How the verifier tells this backend's answer from any other server's. */
export const IdentityCheck = z.discriminatedUnion('kind', [
  /** Default: status, content type and body hash of the loopback answer (weaker when the page changes). */
  z.object({ kind: z.literal('fingerprint') }),
  /** A JSON document at `path` whose `field` (dot path) must equal the loopback answer's. */
  z.object({
    kind: z.literal('json-field'),
    path: UrlPath,
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
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine((u) => {
    const parsed = URL.parse(u);
    return parsed !== null && parsed.username === '' && parsed.password === '';
  }, 'must not contain user:password@ (a URL is shown to every client of the API): let the proxy ask for credentials instead'),
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
  probePath: UrlPath.default('/'),
  /** @default { kind: "fingerprint" } */
  identity: IdentityCheck.default({ kind: 'fingerprint' }),
  /** Path of a WebSocket the backend serves; null means no upgrade check. @default null */
  websocketPath: UrlPath.nullable().default(null),
  /** @default [] */
  customUrls: z.array(CustomUrl).default([]),
});
export type Backend = z.infer<typeof Backend>;
export type BackendInput = z.input<typeof Backend>;
