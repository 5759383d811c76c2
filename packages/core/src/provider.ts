import * as z from 'zod';
import type { CandidateInput } from './endpoint.js';
import type { ExcludedAddress, ListenState } from './schema/api.js';
import type { Backend } from './schema/backend.js';
import { EndpointType } from './schema/endpoint.js';

/** What a provider is told when asked for candidates of one backend. */
export interface DiscoverContext {
  backend: Backend;
  /** Whether the backend itself speaks TLS on its port (sniffed on loopback). */
  scheme: 'http' | 'https';
  /** Bound sockets on the backend's port; null where the OS does not expose them. */
  listen: ListenState | null;
  /** Aborted when the provider's time is up or the caller gave up. */
  signal: AbortSignal;
}

export interface DiscoverResult {
  candidates: CandidateInput[];
  /** Addresses seen and deliberately not proposed, with why (shown by `list --all`). */
  excluded?: Omit<ExcludedAddress, 'provider'>[];
}

/** A plugin that proposes candidate endpoints of one or more types. */
export interface Provider {
  /** Short stable id, e.g. "lan". */
  id: string;
  /** The endpoint types this provider can yield. */
  types: readonly EndpointType[];
  /** Proposes candidates; must honour ctx.signal. Expected failures should resolve, not throw. */
  discover(ctx: DiscoverContext): Promise<DiscoverResult>;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/** Checks the shape of a provider object at load time (third-party plugins included). */
export const ProviderShape = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'provider id must be kebab-case'),
  types: z.array(EndpointType).min(1),
  discover: z.custom<Provider['discover']>(isFunction, 'discover must be a function'),
});
