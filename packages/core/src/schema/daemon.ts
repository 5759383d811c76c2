import * as z from 'zod';
import { EndpointList } from './api.js';
import { Backend, BackendName } from './backend.js';
import { EndpointType } from './endpoint.js';
import { Exposure, ExposureOptions, ExposureType, OwnedSetup } from './exposure.js';
import { Reason, StoredReason } from './reason.js';

/** A third-party provider module named in the config: an npm package name or a path. */
export const PluginSpec = z.union([
  z.string().min(1),
  z.object({ module: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
]);
export type PluginSpec = z.infer<typeof PluginSpec>;

/** `endpointd --config FILE` (JSON). Every field is optional; flags win over the file. */
export const DaemonConfig = z
  .object({
    /** host:port. @default "127.0.0.1:4737" */
    listen: z.string().optional(),
    backends: z.array(Backend).optional(),
    /** Browser origins (scheme://host[:port]) allowed to call the API, with CORS. @default [] */
    allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).optional(),
    plugins: z.array(PluginSpec).optional(),
    /** How often every backend is re-verified, in ms. @default 60000 */
    reverifyIntervalMs: z.number().int().min(5_000).max(86_400_000).optional(),
    /** How many backends the daemon serves at most; adding one more answers 409. @default 256 */
    maxBackends: z.number().int().min(1).max(10_000).optional(),
    /** How many event-stream subscribers at once; one more answers 503. @default 1024 */
    maxSubscribers: z.number().int().min(1).max(100_000).optional(),
    /** How many probe requests the daemon runs at once, over all backends. @default 64 */
    maxProbesInFlight: z.number().int().min(1).max(4_096).optional(),
    /** Watch this machine's listening services (GET /v1/discovered, `discovered` events). @default true */
    discovery: z.boolean().optional(),
    /**
     * Resolvers asked directly (never the system's) for names a tunnel provider has just minted,
     * as "ip" or "ip:port". @default Cloudflare, Google and Quad9 (1.1.1.1, 8.8.8.8, 9.9.9.9 and their IPv6)
     */
    publicDnsServers: z
      .array(
        z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:.]+\]:\d{1,5}|[0-9a-f.]*:[0-9a-f:.]*)$/i, {
          error: 'must be an IP address, optionally with :port ([v6]:port)',
        }),
      )
      .min(1)
      .max(8)
      .optional(),
    /**
     * A tunnel process alive without an edge connection: after `unreachableAfterMs` its endpoint
     * is unreachable (reason tunnel-disconnected), after `restartAfterMs` it is restarted.
     * @default { unreachableAfterMs: 6000, restartAfterMs: 45000 }
     */
    tunnelStall: z
      .object({
        unreachableAfterMs: z.number().int().min(500).max(600_000).optional(),
        restartAfterMs: z.number().int().min(1_000).max(3_600_000).optional(),
      })
      .strict()
      .optional(),
    /** App ids (see the fingerprint table: "t3code", "vite", …) whose discovered services become backends by themselves. @default [] */
    autoAdopt: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
  })
  .strict();
export type DaemonConfig = z.infer<typeof DaemonConfig>;

/** An exposure the user asked for, remembered so the daemon restores it after a restart. */
export const ExposureRecord = z.object({
  backend: BackendName,
  type: ExposureType,
  options: ExposureOptions,
  enabledAt: z.string(),
  /** Present when enabled with an expiry: the daemon stops it then, also across restarts. */
  expiresAt: z.string().optional(),
  /**
   * Present when the exposure failed for a reason that retrying cannot fix (tool missing, bad
   * credentials): it is shown as failed and not started again until the user enables it again.
   */
  failed: z.object({ reason: StoredReason, error: z.string().optional(), hint: z.string().optional(), at: z.string() }).optional(),
  /** Durable setup the provider added (ExposureUpdate.owned), removed by Provider.cleanup if the backend goes away. */
  owned: OwnedSetup.optional(),
});
export type ExposureRecord = z.infer<typeof ExposureRecord>;

/** `$ENDPOINTD_HOME/state.json`: what the user changed through the API. */
export const DaemonState = z.object({
  version: z.literal(1),
  /** Backends added through the API (not those from flags or the config file). */
  backends: z.array(Backend),
  /** Saved default type per backend name: a type, never an address. */
  defaults: z.record(BackendName, EndpointType),
  exposures: z.array(ExposureRecord),
});
export type DaemonState = z.infer<typeof DaemonState>;

/** DELETE /v1/backends/:name: the backend is gone, and so is every exposure it had. */
export const BackendRemoval = z.object({
  backend: BackendName,
  /** Exposures that were stopped (their processes ended, their setup removed) before the backend was forgotten. */
  stoppedExposures: z.array(ExposureType),
  /** Exposures whose stop did not complete: what went wrong, so nothing is left running unnoticed. */
  failedStops: z.array(z.object({ type: ExposureType, error: z.string() })),
});
export type BackendRemoval = z.infer<typeof BackendRemoval>;

export const EMPTY_STATE: DaemonState = Object.freeze({ version: 1, backends: [], defaults: {}, exposures: [] }) as DaemonState;

/** Where a backend's definition comes from; only "api" backends can be removed through the API. */
export const BackendSource = z.enum(['flag', 'config', 'api']);

export const BackendInfo = Backend.extend({ source: BackendSource });
export type BackendInfo = z.infer<typeof BackendInfo>;

/** GET /v1/health (no token needed). */
export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  pid: z.number().int(),
  uptimeMs: z.number(),
  /** Problems met at start that did not stop the daemon: a state file moved aside, a bad plugin. */
  problems: z.array(z.object({ code: z.string(), message: z.string(), hint: z.string().optional() })),
});
export type Health = z.infer<typeof Health>;

/** Every error answer of the API. */
export const ApiError = z.object({
  statusCode: z.number().int(),
  /** Stable, e.g. ENDPOINTD_BACKEND_NOT_FOUND. */
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** Validation failures: each problem with its path in the request, for clients to show in their own terms. */
  issues: z.array(z.object({ path: z.array(z.string()), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** GET /v1/providers: one entry per provider, plugins included. */
export const ProviderStatus = z.object({
  id: z.string(),
  types: z.array(EndpointType),
  /** Exposure types this provider can set up. */
  exposureTypes: z.array(ExposureType),
  available: z.boolean(),
  /** Version of the tool behind the provider; null when not applicable or unknown. */
  version: z.string().nullable(),
  reason: Reason.nullable(),
  hint: z.string().nullable(),
  /** "builtin", or the plugin module it was loaded from. */
  source: z.string(),
});
export type ProviderStatus = z.infer<typeof ProviderStatus>;

/**
 * The payloads of the event stream (GET /v1/events), by event name. A subscription starts with a
 * `snapshot` per backend (the state the changes that follow apply to); a client that reconnects
 * with Last-Event-ID gets the events it missed instead, or a `reset` (then snapshots) when they
 * cannot be replayed.
 */
export const DaemonEventName = z.enum(['endpoints', 'default', 'exposure', 'provider', 'discovered', 'snapshot', 'reset']);
export type DaemonEventName = z.infer<typeof DaemonEventName>;

/** `snapshot` event: one backend's current state, first on every new subscription. */
export const BackendSnapshot = z.object({
  backend: BackendName,
  /** The cached, verified list; null while the backend has not been verified yet (an `endpoints` event follows). */
  list: EndpointList.nullable(),
  exposures: z.array(Exposure),
});
export type BackendSnapshot = z.infer<typeof BackendSnapshot>;

/** `reset` event: the missed events cannot be replayed (the daemon restarted, or too many passed); snapshots follow. */
export const StreamReset = z.object({ reason: Reason.extract(['daemon-restarted', 'too-far-behind']) });
export type StreamReset = z.infer<typeof StreamReset>;
