import { EventEmitter } from 'eventemitter3';
import { detectBackendScheme } from './backend-scheme.js';
import { checkCandidate } from './candidate-check.js';
import { type ConnectToMap, parseConnectTo } from './connect-to.js';
import { markDefault, resolveDefault, sortEndpoints } from './default-by-type.js';
import { normalizeBaseUrl } from './endpoint.js';
import { createLimiter } from './limiter.js';
import { readListenState } from './listening-sockets.js';
import type { DiscoverContext, Provider } from './provider.js';
import { createPublicResolver, type PublicResolver } from './public-dns.js';
import { formatHint } from './reasons.js';
import { type DefaultResolution, type EndpointList, ExcludedAddress, type ListenState, type ProviderReport } from './schema/api.js';
import { Backend, type BackendInput } from './schema/backend.js';
import type { Endpoint, EndpointType } from './schema/endpoint.js';
import { Reason } from './schema/reason.js';
import type { EndpointReports } from './schema/report.js';
import { chooseReferenceHost, type ProviderCandidate, unverifiedEndpoints, verifyCandidates } from './verifier.js';

/**
 * A provider's own "cannot answer here", kept to the closed reason set: a plugin that names a
 * reason outside it is reported as provider-failed, its words kept as the detail.
 */
function unavailability(providerId: string, down: unknown): { reason: Reason; hint: string } | null {
  if (down === undefined || down === null) return null;
  const { reason, hint } = down as { reason?: unknown; hint?: unknown };
  const text = String(hint ?? '').slice(0, 1000);
  const known = Reason.safeParse(reason);
  if (known.success) return { reason: known.data, hint: text || formatHint(known.data, { provider: providerId }) };
  const detail = `${String(reason).slice(0, 80)}${text ? `: ${text}` : ''}`;
  return { reason: 'provider-failed', hint: formatHint('provider-failed', { provider: providerId, detail }) };
}

/** Time one provider gets to propose candidates before it is reported as timed out. */
export const PROVIDER_TIMEOUT_MS = 3_000;
/** Deadline of one probe request; all probes run concurrently. */
export const PROBE_TIMEOUT_MS = 2_000;
/** How long a backend's sniffed scheme (http or https) is reused while its sockets are unchanged. */
export const SCHEME_CACHE_MS = 10_000;

export interface RegistryOptions {
  providers: readonly Provider[];
  /** @default PROVIDER_TIMEOUT_MS */
  providerTimeoutMs?: number;
  /** @default PROBE_TIMEOUT_MS */
  probeTimeoutMs?: number;
  /** @default parsed from process.env.ENDPOINTD_CONNECT_TO */
  connectTo?: ConnectToMap;
  /** Reads the bound sockets of a port. @default readListenState (Linux /proc) */
  readListen?: (port: number) => Promise<ListenState | null>;
  /** Probe requests in flight at once, over every discovery and verification of this registry. @default unbounded */
  maxProbesInFlight?: number;
  /** Resolves just-minted tunnel names through public resolvers. @default createPublicResolver() */
  publicDns?: PublicResolver;
}

export interface DiscoverOptions {
  /** Probe every candidate. @default true */
  verify?: boolean;
  /** Providers bypass their short caches (a user-requested refresh). @default false */
  fresh?: boolean;
  /** The backend's saved default type. @default null */
  savedDefaultType?: EndpointType | null;
  /** The default of the previous list: kept while still verified and of the chosen type (sticky). */
  previousDefault?: Pick<DefaultResolution, 'endpointId'> | null;
  /** What client devices recently reported for an endpoint (daemon): attached before the default is chosen. */
  reportsFor?: (endpointId: string) => EndpointReports | undefined;
  signal?: AbortSignal;
}

export interface RegistryEvents {
  /** A provider's report after each discovery. */
  provider: [report: ProviderReport];
}

export interface Registry extends EventEmitter<RegistryEvents> {
  readonly providers: readonly Provider[];
  discover(backend: BackendInput, options?: DiscoverOptions): Promise<EndpointList>;
  /** Verifies given candidates (e.g. the URL of a new exposure) exactly as discovery would. */
  verify(backend: BackendInput, candidates: ProviderCandidate[], signal?: AbortSignal): Promise<Endpoint[]>;
  /** Whether the backend speaks TLS on its port (a loopback handshake, cached while its sockets are unchanged); http when nothing answers. */
  backendScheme(backend: BackendInput): Promise<'http' | 'https'>;
}

interface ProviderOutcome {
  report: ProviderReport;
  candidates: ProviderCandidate[];
  excluded: ExcludedAddress[];
}

const PROVIDER_TIMEOUT = Symbol('provider-timeout');

async function runProvider(
  provider: Provider,
  ctx: Omit<DiscoverContext, 'signal'>,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<ProviderOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // The race bounds a provider that ignores its signal: one slow provider never delays the others.
  const timeout = new Promise<typeof PROVIDER_TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(PROVIDER_TIMEOUT), timeoutMs);
  });
  const report = (
    available: boolean,
    candidates: number,
    reason: Reason | null,
    hint: string | null,
    invalid: ProviderReport['invalid'] = [],
  ): ProviderReport => ({
    id: provider.id,
    available,
    durationMs: Math.round(performance.now() - started),
    candidates,
    reason,
    hint: hint === null ? null : String(hint).slice(0, 1000),
    invalid,
  });
  try {
    const result = await Promise.race([provider.discover({ ...ctx, signal: controller.signal }), timeout]);
    if (result === PROVIDER_TIMEOUT) {
      controller.abort(new Error('provider timed out'));
      return {
        report: report(false, 0, 'provider-timed-out', formatHint('provider-timed-out', { provider: provider.id, timeoutMs })),
        candidates: [],
        excluded: [],
      };
    }
    // A plugin may propose anything: each candidate is checked, and a bad one is left out (and
    // reported) instead of breaking every backend's list.
    const candidates: ProviderCandidate[] = [];
    const invalid: ProviderReport['invalid'] = [];
    const excluded: ExcludedAddress[] = [];
    for (const raw of Array.isArray(result?.candidates) ? result.candidates : []) {
      const checked = checkCandidate(raw, provider.types);
      if (checked.ok) candidates.push({ ...checked.candidate, provider: provider.id });
      else {
        invalid.push({ url: checked.url, why: checked.why });
        excluded.push({ provider: provider.id, interface: '', address: checked.url, kind: 'invalid-candidate', why: checked.why });
      }
    }
    for (const e of Array.isArray(result?.excluded) ? result.excluded : []) {
      const parsed = ExcludedAddress.omit({ provider: true }).safeParse(e);
      if (parsed.success) excluded.push({ ...parsed.data, provider: provider.id });
    }
    const down = unavailability(provider.id, result?.unavailable);
    return {
      report: report(!down, candidates.length, down?.reason ?? null, down?.hint ?? null, invalid.slice(0, 10)),
      candidates,
      excluded,
    };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      report: report(false, 0, 'provider-failed', formatHint('provider-failed', { provider: provider.id, detail })),
      candidates: [],
      excluded: [],
    };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function customCandidates(backend: Backend): ProviderCandidate[] {
  return backend.customUrls.map((custom) => ({
    provider: 'core',
    type: 'custom' as const,
    url: normalizeBaseUrl(custom.url).href,
    label: custom.label ?? `Custom (${new URL(custom.url).host})`,
    ...(custom.scope ? { scope: custom.scope } : {}),
  }));
}

function dedupe(candidates: ProviderCandidate[]): ProviderCandidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.type} ${normalizeBaseUrl(c.url).href}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Creates the registry that asks every provider for candidates, verifies them and resolves the default. */
export function createRegistry(options: RegistryOptions): Registry {
  const config = Object.freeze({
    providerTimeoutMs: options.providerTimeoutMs ?? PROVIDER_TIMEOUT_MS, // ms
    probeTimeoutMs: options.probeTimeoutMs ?? PROBE_TIMEOUT_MS, // ms
    connectTo: options.connectTo ?? parseConnectTo(process.env.ENDPOINTD_CONNECT_TO),
    publicDns: options.publicDns ?? createPublicResolver(),
    readListen: options.readListen ?? readListenState,
  });
  const emitter = new EventEmitter<RegistryEvents>() as Registry;
  const limit = options.maxProbesInFlight ? createLimiter(options.maxProbesInFlight) : undefined;

  // A TLS handshake per refresh per backend costs native memory and a round trip; the answer
  // only changes when the backend restarts, which changes its listening sockets (the key).
  const schemes = new Map<string, { at: number; value: Promise<'http' | 'https' | null> }>();
  function sniff(host: string, port: number, listen: ListenState | null): Promise<'http' | 'https' | null> {
    const key = `${host} ${port} ${listen?.addresses.join(',') ?? ''}`;
    const now = performance.now();
    const hit = schemes.get(key);
    if (hit && now - hit.at < SCHEME_CACHE_MS) return hit.value;
    if (schemes.size > 1_000) schemes.clear();
    const value = detectBackendScheme(host, port);
    schemes.set(key, { at: now, value });
    return value;
  }

  async function inspectBackend(backend: Backend): Promise<{ listen: ListenState | null; scheme: 'http' | 'https' }> {
    const listen = await config.readListen(backend.port);
    const referenceHost = chooseReferenceHost(listen);
    const scheme = (referenceHost ? await sniff(referenceHost, backend.port, listen) : null) ?? 'http';
    return { listen, scheme };
  }

  /** How this registry verifies: discovery and an exposure's URL alike. */
  const verifyContext = (backend: Backend, scheme: 'http' | 'https', listen: ListenState | null, signal?: AbortSignal) => ({
    backend,
    scheme,
    listen,
    probeTimeoutMs: config.probeTimeoutMs,
    connectTo: config.connectTo,
    publicDns: config.publicDns,
    ...(signal ? { signal } : {}),
    ...(limit ? { limit } : {}),
  });

  async function verify(input: BackendInput, candidates: ProviderCandidate[], signal?: AbortSignal): Promise<Endpoint[]> {
    const backend = Backend.parse(input);
    const { listen, scheme } = await inspectBackend(backend);
    return await verifyCandidates(verifyContext(backend, scheme, listen, signal), candidates);
  }

  async function discover(input: BackendInput, opts: DiscoverOptions = {}): Promise<EndpointList> {
    const backend = Backend.parse(input);
    const { listen, scheme } = await inspectBackend(backend);
    const ctx = { backend, scheme, listen, fresh: opts.fresh === true } as const;
    const outcomes = await Promise.all(options.providers.map((p) => runProvider(p, ctx, config.providerTimeoutMs, opts.signal)));
    for (const o of outcomes) emitter.emit('provider', o.report);
    const candidates = dedupe([...outcomes.flatMap((o) => o.candidates), ...customCandidates(backend)]);
    const endpoints =
      opts.verify === false
        ? unverifiedEndpoints(backend, candidates)
        : await verifyCandidates(verifyContext(backend, scheme, listen, opts.signal), candidates);
    const sorted = sortEndpoints(opts.reportsFor ? attachReports(endpoints, opts.reportsFor) : endpoints);
    const resolution = resolveDefault(sorted, opts.savedDefaultType ?? null, opts.previousDefault ?? null);
    const notListening =
      listen !== null ? !listen.listening : sorted.length > 0 && sorted.every((e) => e.verification.reason === 'connection-refused');
    return {
      backend: backend.name,
      port: backend.port,
      endpoints: markDefault(sorted, resolution),
      default: resolution,
      providers: outcomes.map((o) => o.report),
      excluded: outcomes.flatMap((o) => o.excluded),
      listen,
      notice: notListening
        ? { reason: 'backend-not-listening', hint: formatHint('backend-not-listening', { backendPort: backend.port }) }
        : null,
      generatedAt: new Date().toISOString(),
    };
  }

  return Object.assign(emitter, {
    providers: Object.freeze([...options.providers]),
    discover,
    verify,
    backendScheme: async (input: BackendInput) => (await inspectBackend(Backend.parse(input))).scheme,
  });
}

/** Copies of the endpoints with their client reports set (or cleared when none are recent). */
export function attachReports(endpoints: readonly Endpoint[], reportsFor: (endpointId: string) => EndpointReports | undefined): Endpoint[] {
  return endpoints.map((e) => {
    const { reports: _old, ...rest } = e;
    const reports = reportsFor(e.id);
    return reports ? { ...rest, reports } : rest;
  });
}
