import * as z from 'zod';
import { BackendName } from './backend.js';
import { Endpoint, EndpointType } from './endpoint.js';
import { Reason } from './reason.js';

/** Endpoint types that endpointd can set up itself, in one call. */
export const ExposureType = EndpointType.extract([
  'tailscale-serve',
  'tailscale-funnel',
  'cloudflare-quick',
  'cloudflare-named',
  'relay',
  'ssh-reverse',
]);
export type ExposureType = z.infer<typeof ExposureType>;

/** Where an exposure stands, as in CONTRACT.md. */
export const ExposureState = z.enum(['starting', 'active', 'needs-approval', 'failed', 'stopped']);
export type ExposureState = z.infer<typeof ExposureState>;

/** Provider-specific options; each provider validates its own with zod. */
export const ExposureOptions = z.record(z.string(), z.unknown());
export type ExposureOptions = z.infer<typeof ExposureOptions>;

/** POST /v1/backends/:name/exposures */
/** The longest an exposure may be enabled for with an expiry. */
export const MAX_EXPOSURE_DURATION_MS = 30 * 24 * 3_600_000;

export const ExposureRequest = z.object({
  type: ExposureType,
  /** @default {} */
  options: ExposureOptions.default({}),
  /** Stop it after this long (ms; "for 1 h"); absent: until disabled. Survives a daemon restart. */
  expiresInMs: z.number().int().min(1_000).max(MAX_EXPOSURE_DURATION_MS).optional(),
});
export type ExposureRequest = z.infer<typeof ExposureRequest>;

/** Something the daemon set up and owns so that a backend becomes reachable. */
export const Exposure = z.object({
  backend: BackendName,
  type: ExposureType,
  provider: z.string(),
  state: ExposureState,
  /** Present when active: the verified endpoint. */
  endpoint: Endpoint.optional(),
  /** Present when enabled with an expiry: when the daemon stops it (ISO time). */
  expiresAt: z.string().optional(),
  /** Present when needs-approval: where the user approves (e.g. Tailscale's admin consent). */
  approvalUrl: z.string().optional(),
  /** Present when failed, or starting again after a failure: why, from the closed set (README “Reasons”). */
  reason: Reason.optional(),
  error: z.string().optional(),
  hint: z.string().optional(),
  updatedAt: z.string(),
});
export type Exposure = z.infer<typeof Exposure>;

/** A provider's own description of durable setup it added; opaque to core. */
export const OwnedSetup = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type OwnedSetup = z.infer<typeof OwnedSetup>;

/** A state change a provider reports while it sets up or supervises an exposure. */
export const ExposureUpdate = z.object({
  state: ExposureState,
  /** The URL clients use, once known; verified by core before the exposure is called active. */
  url: z.string().optional(),
  approvalUrl: z.string().optional(),
  reason: Reason.optional(),
  error: z.string().optional(),
  hint: z.string().optional(),
  /** With state "failed": retrying cannot help (tool missing, credentials refused); supervision stops until enabled again. */
  permanent: z.boolean().optional(),
  /**
   * What the provider added that outlives its process (a Serve handler): saved with the exposure,
   * so the provider can remove exactly that when the backend is gone (Provider.cleanup).
   */
  owned: OwnedSetup.optional(),
});
export type ExposureUpdate = z.infer<typeof ExposureUpdate>;
