import * as z from 'zod';
import type { CandidateInput } from './endpoint.js';
import type { ExcludedAddress, ListenState } from './schema/api.js';
import type { Backend } from './schema/backend.js';
import { EndpointType } from './schema/endpoint.js';
import { type ExposureOptions, ExposureType, type ExposureUpdate, type OwnedSetup } from './schema/exposure.js';
import type { Reason } from './schema/reason.js';

/** What a provider is told when asked for candidates of one backend. */
export interface DiscoverContext {
  backend: Backend;
  /** Whether the backend itself speaks TLS on its port (sniffed on loopback). */
  scheme: 'http' | 'https';
  /** Bound sockets on the backend's port; null where the OS does not expose them. */
  listen: ListenState | null;
  /** Aborted when the provider's time is up or the caller gave up. */
  signal: AbortSignal;
  /** The user asked for a refresh: bypass short-lived caches of tool output. */
  fresh: boolean;
}

export interface DiscoverResult {
  candidates: CandidateInput[];
  /** Addresses seen and deliberately not proposed, with why (shown by `list --all`). */
  excluded?: Omit<ExcludedAddress, 'provider'>[];
  /** Present when the provider cannot propose anything here (tool missing, logged out): why, and what to do. */
  unavailable?: { reason: Reason; hint: string };
}

/**
 * Why an exposure's signal aborted (its `signal.reason`): "disabled" means tear down what was set
 * up; "daemon-stopping" means stop supervising but leave durable setup (a Serve handler) in
 * place, so a restart finds it.
 */
export type ExposureStopReason = 'disabled' | 'daemon-stopping';

/** What a provider is given to set up, supervise and report one exposure. */
export interface ExposeContext {
  backend: Backend;
  type: ExposureType;
  /** As the user gave them: the provider validates them with its own schema. */
  options: ExposureOptions;
  /** Aborted when the user disables the exposure or the daemon stops; `signal.reason` is an ExposureStopReason. */
  signal: AbortSignal;
  /** Reports a state change; the daemon verifies the URL before it calls the exposure active. */
  update(update: ExposureUpdate): void;
  /**
   * What an earlier run of this exposure reported as `owned` (restored after a daemon restart), so
   * setup it added before the restart is still known as its own and removed on disable.
   */
  owned?: OwnedSetup;
  /**
   * Whether the backend speaks TLS on its port, asked at each (re)start: a TLS-only backend is
   * proxied as https (see `originFor`), never as plain http it would refuse.
   */
  backendScheme(): Promise<'http' | 'https'>;
}

/** What the provider knows about itself (tool version, whether it can work here). */
export interface ProviderHealth {
  available: boolean;
  version: string | null;
  reason: Reason | null;
  hint: string | null;
}

/** A plugin that proposes candidate endpoints of one or more types, and may set up exposures. */
export interface Provider {
  /** Short stable id, e.g. "lan". */
  id: string;
  /** The endpoint types this provider can yield. */
  types: readonly EndpointType[];
  /** Proposes candidates; must honour ctx.signal. Expected failures should resolve, not throw. */
  discover(ctx: DiscoverContext): Promise<DiscoverResult>;
  /** Tool presence and version, for /v1/providers and `doctor`; absent means always available. */
  health?(signal: AbortSignal): Promise<ProviderHealth>;
  /** Exposure types this provider can set up; absent means none. */
  exposureTypes?: readonly ExposureType[];
  /** Options schema per exposure type: the daemon answers 400 with zod's reason before expose() runs. */
  exposureOptions?: Partial<Record<ExposureType, z.ZodType>>;
  /**
   * Sets up an exposure and supervises it until ctx.signal aborts, reporting through ctx.update.
   * Resolves once the exposure is torn down.
   */
  expose?(ctx: ExposeContext): Promise<void>;
  /** Subscribes to changes the provider notices itself (e.g. a tunnel URL changed). */
  watch?(onChange: () => void): () => void;
  /**
   * Removes durable setup an exposure added (what it reported as `owned`) when its backend no
   * longer exists, e.g. removed from the config while the daemon was stopped. Only that: never
   * anything the exposure found in place.
   */
  cleanup?(ctx: { type: ExposureType; owned: OwnedSetup; signal: AbortSignal }): Promise<void>;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/** Checks the shape of a provider object at load time (third-party plugins included). */
export const ProviderShape = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'provider id must be kebab-case'),
  types: z.array(EndpointType).min(1),
  discover: z.custom<Provider['discover']>(isFunction, 'discover must be a function'),
  health: z.custom<NonNullable<Provider['health']>>(isFunction, 'health must be a function').optional(),
  exposureTypes: z.array(ExposureType).optional(),
  exposureOptions: z
    .record(
      z.string(),
      z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'must be a zod schema'),
    )
    .optional(),
  expose: z.custom<NonNullable<Provider['expose']>>(isFunction, 'expose must be a function').optional(),
  watch: z.custom<NonNullable<Provider['watch']>>(isFunction, 'watch must be a function').optional(),
  cleanup: z.custom<NonNullable<Provider['cleanup']>>(isFunction, 'cleanup must be a function').optional(),
});
