import * as z from 'zod';
import { Reason } from './reason.js';
import { EndpointReports } from './report.js';

// Literal sets are copied verbatim from CONTRACT.md: renaming one breaks every client.

/** The stable key of an endpoint; a saved default names a type, never an address. */
export const EndpointType = z.enum([
  'loopback',
  'lan',
  'tailscale-ip',
  'tailscale-magicdns',
  'tailscale-serve',
  'tailscale-funnel',
  'cloudflare-quick',
  'cloudflare-named',
  'relay',
  'ssh-local-forward',
  'ssh-reverse',
  'custom',
]);
export type EndpointType = z.infer<typeof EndpointType>;

/** Who can use an endpoint. */
export const Scope = z.enum(['this-machine', 'local-network', 'tailnet', 'public', 'client-loopback']);
export type Scope = z.infer<typeof Scope>;

/**
 * Whether the URL survives: "stable" (a name or address that stays the same), "address-dependent"
 * (changes when the machine's address does: LAN, Tailscale IP), "per-run" (new at every start:
 * quick tunnel).
 */
export const Stability = z.enum(['stable', 'address-dependent', 'per-run']);
export type Stability = z.infer<typeof Stability>;

/** The outcome of verifying one endpoint. */
export const EndpointStatus = z.enum(['verified', 'unreachable', 'wrong-backend', 'tls-untrusted', 'unverified', 'checking']);
export type EndpointStatus = z.infer<typeof EndpointStatus>;

export const AddressFamily = z.enum(['ipv4', 'ipv6', 'dns']);
export type AddressFamily = z.infer<typeof AddressFamily>;

/** How the verifier decided that an answer came from this backend. */
export const IdentityMethod = z.enum(['json-field', 'header', 'fingerprint', 'none']);
export type IdentityMethod = z.infer<typeof IdentityMethod>;

/** What a page on a public HTTPS origin may do with the endpoint in one browser family. */
export const BrowserAccess = z.enum(['ok', 'prompt', 'blocked']);
export type BrowserAccess = z.infer<typeof BrowserAccess>;

export const BrowserVerdict = z.object({
  /** True only for https whose certificate verified against the trusted roots during the probe. */
  mixedContentSafe: z.boolean(),
  /**
   * A page opened AT this URL is a secure context (WebCrypto, service workers, clipboard, PWA
   * install): https with a trusted certificate, or http to 127.0.0.0/8, ::1, localhost, *.localhost.
   */
  secureContext: z.boolean(),
  chromium: BrowserAccess,
  firefox: BrowserAccess,
  safari: BrowserAccess,
});
export type BrowserVerdict = z.infer<typeof BrowserVerdict>;

export const Verification = z.object({
  /** ISO time of the probe; null while the endpoint has not been probed (status unverified/checking). */
  checkedAt: z.string().nullable(),
  /** Time to the response headers, connection included; null when nothing answered. */
  latencyMs: z.number().nonnegative().nullable(),
  /** Status of the probe-path answer; null when nothing answered. */
  httpStatus: z.number().int().nullable(),
  identity: IdentityMethod,
  /**
   * "strong": the answer matched exactly (JSON field, header, or status + type + body hash).
   * "weak": the backend's own page changes between two requests, so only status, content type,
   * title and server headers were compared. Null when no identity was established.
   */
  identityStrength: z.enum(['strong', 'weak']).nullable(),
  /** Verification is done from this machine: it proves the backend answers on that address, not that a firewall lets others through. */
  from: z.literal('this-host'),
  /** The address the probe connected to (after DNS and ENDPOINTD_CONNECT_TO); null when no connection was made. */
  address: z.string().nullable(),
  /** WebSocket upgrade result; "not-checked" unless the backend declares a WebSocket path. */
  websocket: z.enum(['ok', 'failed', 'not-checked']),
  /** Machine-readable cause of a failure; null when verified or unverified. */
  reason: Reason.nullable(),
  /** Short technical description of a failure; null when there is none. */
  error: z.string().nullable(),
  /** One sentence the user can act on; null when there is nothing to do. */
  hint: z.string().nullable(),
});
export type Verification = z.infer<typeof Verification>;

export const TlsInfo = z.object({
  /** The certificate verified against the system roots (plus NODE_EXTRA_CA_CERTS). */
  trusted: z.boolean(),
  /** Issuer organisation or common name; null when the handshake did not complete. */
  issuer: z.string().nullable(),
  /** ISO expiry date; null when the handshake did not complete. */
  validTo: z.string().nullable(),
  /** Why the certificate is not trusted (or "not checked"); null when trusted. */
  error: z.string().nullable(),
});
export type TlsInfo = z.infer<typeof TlsInfo>;

export const ConnectRecipe = z.object({
  /** A command the client runs before opening the URL (e.g. an ssh -L forward). */
  command: z.string(),
});

/** One URL at which a client can reach a backend. */
export const Endpoint = z.object({
  /** Stable for the same backend + type + url. */
  id: z.string(),
  backend: z.string(),
  type: EndpointType,
  provider: z.string(),
  label: z.string(),
  /** http(s) base URL ending with "/". */
  url: z.string(),
  /** ws(s) base URL matching url. */
  wsUrl: z.string(),
  /** Host of the URL: an IP literal without brackets, or a DNS name. */
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  family: AddressFamily,
  /** OS interface name; absent when no single interface applies (DNS names, tunnels). */
  interface: z.string().optional(),
  /** Present and true when the interface carries this machine's default route. */
  hasDefaultRoute: z.boolean().optional(),
  scope: Scope,
  stability: Stability,
  status: EndpointStatus,
  verification: Verification,
  /** Null for http. */
  tls: TlsInfo.nullable(),
  browser: BrowserVerdict,
  /** True on exactly one endpoint of a backend when any is usable. */
  isDefault: z.boolean(),
  /** Present only for endpoints the client must set up first (ssh-local-forward). */
  connect: ConnectRecipe.optional(),
  /** Present when client devices reported what they reached (POST …/reports), recently. */
  reports: EndpointReports.optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;
