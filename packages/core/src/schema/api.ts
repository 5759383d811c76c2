import * as z from 'zod';
import { Endpoint, EndpointType } from './endpoint.js';
import { Reason } from './reason.js';

/** Which endpoint is the backend's default, and how it was chosen. */
export const DefaultResolution = z.object({
  /** Type of the chosen endpoint; null when no endpoint is usable. */
  type: EndpointType.nullable(),
  endpointId: z.string().nullable(),
  /** The saved type; null when nothing is saved. */
  requestedType: EndpointType.nullable(),
  /** True when the saved type had no verified endpoint and another was chosen (or none). */
  fallback: z.boolean(),
  /** Why this endpoint was chosen, in one sentence. */
  why: z.string(),
});
export type DefaultResolution = z.infer<typeof DefaultResolution>;

/** The `default` event: the default endpoint moved (or its resolution changed), from what, and why. */
export const DefaultChange = z.object({
  backend: z.string(),
  default: DefaultResolution,
  /** The default before this change; null for the first resolution. */
  from: z.object({ type: EndpointType.nullable(), endpointId: z.string().nullable() }).nullable(),
  /** One sentence: why it moved. */
  why: z.string(),
});
export type DefaultChange = z.infer<typeof DefaultChange>;

/** How one provider's discovery went. */
export const ProviderReport = z.object({
  id: z.string(),
  available: z.boolean(),
  durationMs: z.number().nonnegative(),
  candidates: z.number().int().nonnegative(),
  /** Null when available. */
  reason: Reason.nullable(),
  hint: z.string().nullable(),
  /** Candidates it proposed that were not usable (a malformed URL, an unknown type), left out of the list with why. */
  invalid: z.array(z.object({ url: z.string(), why: z.string() })).default([]),
});
export type ProviderReport = z.infer<typeof ProviderReport>;

/** An address a provider saw and deliberately did not propose (shown by `list --all`). */
export const ExcludedAddress = z.object({
  provider: z.string(),
  interface: z.string(),
  address: z.string(),
  /** e.g. "link-local", "tailscale", "container-bridge", "vpn-tunnel". */
  kind: z.string(),
  /** How it was recognised, in words. */
  why: z.string(),
});
export type ExcludedAddress = z.infer<typeof ExcludedAddress>;

/** What the bound sockets tell about the backend's port; null where they cannot be read. */
export const ListenState = z.object({
  listening: z.boolean(),
  /** Bound local addresses ("0.0.0.0", "::", "127.0.0.1", …). */
  addresses: z.array(z.string()),
});
export type ListenState = z.infer<typeof ListenState>;

/** The answer of `endpoints list --json` and GET /v1/backends/:name/endpoints. */
export const EndpointList = z.object({
  backend: z.string(),
  port: z.number().int(),
  endpoints: z.array(Endpoint),
  default: DefaultResolution,
  providers: z.array(ProviderReport),
  excluded: z.array(ExcludedAddress),
  listen: ListenState.nullable(),
  /** A sentence about the backend as a whole, e.g. that nothing listens on its port; null when all is well. */
  notice: z.object({ reason: Reason, hint: z.string() }).nullable(),
  generatedAt: z.string(),
});
export type EndpointList = z.infer<typeof EndpointList>;
