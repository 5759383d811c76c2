import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { classifyAddress, formatUrlHost, normalizeAddress } from './address.js';
import { stabilityFor } from './classify-browser.js';
import { type ConnectToMap, resolveConnectTarget, withConnectEntry } from './connect-to.js';
import { type CandidateInput, createEndpoint, effectivePort, UNCHECKED_VERIFICATION } from './endpoint.js';
import { hostRefusal } from './host-refusal.js';
import { type ProbeAnswer, type ProbeFailure, type ProbeResult, probeHttp, probeWebSocket } from './http-probe.js';
import { fingerprintAnswer, fingerprintReference, type IdentityReference, matchesIdentity, readJsonField } from './identity.js';
import type { Limiter } from './limiter.js';
import type { PublicResolver } from './public-dns.js';
import { formatHint } from './reasons.js';
import type { ListenState } from './schema/api.js';
import type { Backend } from './schema/backend.js';
import type { Endpoint, EndpointStatus, TlsInfo, Verification } from './schema/endpoint.js';
import type { Reason } from './schema/reason.js';

/** A candidate with the provider that proposed it. */
export interface ProviderCandidate extends CandidateInput {
  provider: string;
}

export interface VerifyOptions {
  backend: Backend;
  scheme: 'http' | 'https';
  listen: ListenState | null;
  /** Per-request deadline; candidates are probed concurrently, so this bounds the whole run. */
  probeTimeoutMs: number;
  connectTo: ConnectToMap;
  signal?: AbortSignal;
  now?: () => Date;
  /** Bounds probes in flight (daemon-wide when shared); each probe's deadline starts when it runs. */
  limit?: Limiter;
  /** This machine's interface addresses now. @default from os.networkInterfaces() */
  localAddresses?: () => ReadonlySet<string>;
  /**
   * Resolves names minted per run (quick tunnels) through public resolvers asked directly; such
   * a name is then probed at that address (name kept for SNI and Host) and never looked up
   * through this machine's resolver. Without it, they are looked up like any name.
   */
  publicDns?: PublicResolver;
}

/** How often addresses being probed are checked for having vanished (a cheap, spawn-free read). */
export const VANISHED_CHECK_MS = 250;

function interfaceAddresses(): ReadonlySet<string> {
  const set = new Set<string>();
  for (const infos of Object.values(networkInterfaces()))
    for (const info of infos ?? []) set.add(normalizeAddress(info.address.split('%')[0] ?? ''));
  return set;
}

type ReferenceOutcome = { ok: true; ref: IdentityReference } | { ok: false; failure: ProbeFailure | null; detail: string };

// 502/503/504 from any proxy; 520–530 are Cloudflare's edge errors (530: the tunnel is down).
const PROXY_ERROR_STATUSES = new Set([502, 503, 504, 520, 521, 522, 523, 524, 525, 526, 527, 530]);
const IPV4_WILDCARDS = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/** The address to read the reference answer from: loopback when the backend listens there. */
export function chooseReferenceHost(listen: ListenState | null): string | null {
  if (listen === null) return '127.0.0.1';
  if (!listen.listening) return null;
  const addrs = listen.addresses.map(normalizeAddress);
  if (addrs.some((a) => a === '0.0.0.0' || a === '::' || a.startsWith('127.'))) {
    return addrs.find((a) => a.startsWith('127.')) ?? '127.0.0.1';
  }
  if (addrs.includes('::1')) return '::1';
  return addrs[0] ?? null;
}

/**
 * The URL of `path` under a candidate's base URL. The path is set as a path (never resolved as a
 * relative reference), so nothing in it can change the origin; a result on another origin is
 * refused all the same (null), so a probe only ever goes to the candidate it verifies.
 */
export function probeUrl(base: string, path: string): URL | null {
  const baseUrl = URL.parse(base);
  if (!baseUrl) return null;
  const url = new URL(baseUrl.href);
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  url.pathname = `${baseUrl.pathname.replace(/\/?$/, '/')}${pathname.replace(/^\/+/, '')}`;
  url.search = q === -1 ? '' : path.slice(q);
  url.hash = '';
  return url.origin === baseUrl.origin ? url : null;
}

const limited = <T>(opts: VerifyOptions, task: () => Promise<T>): Promise<T> => (opts.limit ? opts.limit.run(task) : task());

function join(base: string, path: string): URL {
  const url = probeUrl(base, path);
  if (!url) throw new TypeError(`refusing to probe ${JSON.stringify(path)}: it leaves ${new URL(base).origin}`);
  return url;
}

async function readReference(opts: VerifyOptions, host: string | null): Promise<ReferenceOutcome> {
  const { backend, scheme, probeTimeoutMs, connectTo, signal } = opts;
  if (host === null) return { ok: false, failure: null, detail: 'nothing listens on the port' };
  const base = `${scheme}://${formatUrlHost(host)}:${backend.port}/`;
  const probe = (path: string): Promise<ProbeResult> =>
    limited(opts, () => probeHttp({ url: join(base, path), timeoutMs: probeTimeoutMs, connectTo, ...(signal ? { signal } : {}) }));
  const check = backend.identity;
  switch (check.kind) {
    case 'none':
      return { ok: true, ref: { kind: 'none' } };
    case 'json-field': {
      const answer = await probe(check.path);
      if (!answer.ok) return { ok: false, failure: answer, detail: `${check.path} (${answer.error})` };
      const value = readJsonField(answer.body, check.field);
      if (value === null || answer.status >= 400) {
        return { ok: false, failure: null, detail: `the field "${check.field}" of ${check.path}` };
      }
      return { ok: true, ref: { kind: 'json-field', value } };
    }
    case 'header': {
      if (check.value !== undefined) return { ok: true, ref: { kind: 'header', value: check.value } };
      const answer = await probe(backend.probePath);
      if (!answer.ok) return { ok: false, failure: answer, detail: `${backend.probePath} (${answer.error})` };
      const value = answer.headers[check.name.toLowerCase()];
      if (value === undefined) return { ok: false, failure: null, detail: `the header ${check.name}` };
      return { ok: true, ref: { kind: 'header', value: Array.isArray(value) ? value.join(', ') : value } };
    }
    case 'fingerprint': {
      // Two concurrent samples: a page that differs between them gets the weaker comparison.
      const [a, b] = await Promise.all([probe(backend.probePath), probe(backend.probePath)]);
      if (!a.ok) return { ok: false, failure: a, detail: `${backend.probePath} (${a.error})` };
      if (!b.ok) return { ok: false, failure: b, detail: `${backend.probePath} (${b.error})` };
      const authority = new URL(base).host;
      return { ok: true, ref: fingerprintReference(fingerprintAnswer(a, authority), fingerprintAnswer(b, authority)) };
    }
  }
}

interface CandidateProbes {
  /** Set when a probe URL would leave the candidate's origin: nothing was sent. */
  refused?: string;
  /** Set while a just-minted name is not in public DNS yet: nothing was sent. */
  dnsPending?: string;
  main: ProbeResult;
  identity: ProbeResult | null;
  websocket: ProbeResult | null;
}

const NOT_SENT: ProbeResult = Object.freeze({ ok: false, code: 'aborted', error: 'not sent', latencyMs: 0, address: null, tls: null });

/**
 * Where a just-minted name (a per-run URL: a quick tunnel) is to be probed: at the address the
 * public resolvers give, unless ENDPOINTD_CONNECT_TO already says where it goes.
 */
async function publicRoute(
  opts: VerifyOptions,
  candidate: ProviderCandidate,
): Promise<{ connectTo: ConnectToMap } | { pending: string } | null> {
  if (!opts.publicDns || stabilityFor(candidate.type) !== 'per-run') return null;
  const url = new URL(candidate.url);
  const host = url.hostname;
  const port = effectivePort(url);
  if (isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) return null;
  const mapped = resolveConnectTarget(opts.connectTo, host, port);
  if (mapped.host !== host.toLowerCase() || mapped.port !== port) return null;
  const found = await opts.publicDns.lookup(host, opts.signal);
  if (!found.ok) return { pending: found.detail };
  return { connectTo: withConnectEntry(opts.connectTo, host, port, { host: found.address, port }) };
}

async function probeCandidate(opts: VerifyOptions, candidate: ProviderCandidate): Promise<CandidateProbes> {
  const route = await publicRoute(opts, candidate);
  if (route && 'pending' in route) return { dnsPending: route.pending, main: NOT_SENT, identity: null, websocket: null };
  const { backend, probeTimeoutMs, signal } = opts;
  const connectTo = route ? route.connectTo : opts.connectTo;
  const base = new URL(candidate.url);
  const request = (url: URL) => ({ url, timeoutMs: probeTimeoutMs, connectTo, ...(signal ? { signal } : {}) });
  const identityPath = backend.identity.kind === 'json-field' ? backend.identity.path : null;
  const wsPath = backend.websocketPath;
  const paths = [backend.probePath, identityPath, wsPath];
  const leaving = paths.find((p) => p !== null && probeUrl(base.href, p) === null);
  if (leaving !== undefined) {
    return { refused: `a probe of ${JSON.stringify(leaving)} would leave ${base.origin}`, main: NOT_SENT, identity: null, websocket: null };
  }
  const [main, identity, websocket] = await Promise.all([
    limited(opts, () => probeHttp(request(join(base.href, backend.probePath)))),
    identityPath !== null ? limited(opts, () => probeHttp(request(join(base.href, identityPath)))) : null,
    wsPath !== null ? limited(opts, () => probeWebSocket(request(join(base.href, wsPath)))) : null,
  ]);
  return { main, identity, websocket };
}

/**
 * Picks the reason for a failed probe. The backend's bind explains a refusal only when the probe
 * went to an address of this machine on the backend's own port: anything else in between (a
 * proxy, tunnel or forward on another port or host) is what refused.
 */
function failureReason(
  failure: ProbeFailure,
  listen: ListenState | null,
  target: { host: string; port: number; local: boolean },
  backendPort: number,
): Reason {
  if (failure.code === 'tls-untrusted') return 'tls-untrusted';
  if (listen && !listen.listening) return 'backend-not-listening';
  if (failure.code === 'connection-refused' && !(target.local && target.port === backendPort)) return 'proxy-refused';
  if (failure.code === 'connection-refused' && listen) {
    const bound = listen.addresses.map(normalizeAddress);
    const host = target.host;
    const isV6 = isIP(host) === 6;
    // 0.0.0.0 covers IPv4 only; :: covers both on Linux's default dual-stack sockets.
    const coversAll = bound.some((a) => (isV6 ? a === '::' : IPV4_WILDCARDS.has(a)));
    if (coversAll || bound.includes(host)) return 'connection-refused';
    if (classifyAddress(host) === 'loopback') return 'bound-to-other-loopback';
    if (bound.every((a) => classifyAddress(a) === 'loopback')) return 'bound-to-loopback';
    if (isV6 && bound.some((a) => IPV4_WILDCARDS.has(a) && a !== '::')) return 'bound-to-ipv4-only';
    return 'bound-to-other-address';
  }
  switch (failure.code) {
    case 'timed-out':
    case 'aborted':
      return 'timed-out';
    case 'dns-failed':
      return 'dns-failed';
    case 'no-route':
      return 'no-route';
    case 'connection-refused':
      return 'connection-refused';
    default:
      return 'connection-reset';
  }
}

interface Judgement {
  status: EndpointStatus;
  reason: Reason | null;
  error: string | null;
  hint: string | null;
  identityStrength: Verification['identityStrength'];
  websocket: Verification['websocket'];
}

function judge(
  opts: VerifyOptions,
  candidate: ProviderCandidate,
  probes: CandidateProbes,
  reference: ReferenceOutcome,
  localAddresses: ReadonlySet<string>,
): Judgement {
  const { backend, listen } = opts;
  const url = new URL(candidate.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const urlPort = effectivePort(url);
  const isV6 = isIP(host) === 6;
  const vars = {
    port: urlPort,
    backendPort: backend.port,
    // The wildcard that serves this row's family: :: serves IPv4 and IPv6 alike on Linux.
    wildcard: isV6 ? '::' : '0.0.0.0',
    address: url.host,
    host,
    url: url.href,
    bound: listen?.addresses.join(', ') || 'nothing',
    provider: candidate.provider,
    timeoutMs: opts.probeTimeoutMs,
    httpStatus: probes.main.ok ? probes.main.status : '',
    detail: '',
  };
  const fail = (status: EndpointStatus, reason: Reason, error: string | null, detail = ''): Judgement => ({
    status,
    reason,
    error,
    hint: formatHint(reason, { ...vars, detail: detail || (error ?? '') }),
    identityStrength: null,
    websocket: 'not-checked',
  });
  const { main } = probes;
  if (candidate.blocked) return fail('unreachable', candidate.blocked.reason, candidate.blocked.detail, candidate.blocked.detail);
  if (probes.refused) return fail('unreachable', 'invalid-candidate', probes.refused, probes.refused);
  if (probes.dnsPending) return fail('checking', 'dns-not-yet-public', probes.dnsPending, probes.dnsPending);
  if (!main.ok) {
    const tried = normalizeAddress(main.triedAddress ?? main.address ?? (isIP(host) ? host : ''));
    const local = tried !== '' && (classifyAddress(tried) === 'loopback' || localAddresses.has(tried));
    const reason = failureReason(main, listen, { host: normalizeAddress(host), port: urlPort, local }, backend.port);
    return fail(reason === 'tls-untrusted' ? 'tls-untrusted' : 'unreachable', reason, main.error);
  }
  if (!reference.ok) {
    if (reference.failure?.code === 'tls-untrusted') {
      return fail(
        'unverified',
        'identity-unavailable',
        'no trusted answer on loopback to compare with',
        'a trusted answer (its certificate does not cover loopback)',
      );
    }
    return fail('unverified', 'identity-unavailable', `cannot read ${reference.detail}`, reference.detail);
  }
  const identityAnswer = probes.identity?.ok ? probes.identity : null;
  if (!matchesIdentity(backend.identity, reference.ref, main, identityAnswer, url.host)) {
    if (PROXY_ERROR_STATUSES.has(main.status)) return fail('unreachable', 'proxy-bad-gateway', `HTTP ${main.status}`);
    // This backend, refusing the URL's Host name: not another server, and not usable as it is.
    const refusal = hostRefusal(main.status, main.body);
    if (refusal) {
      return fail(
        'unreachable',
        'host-not-allowed',
        `${refusal.server} refuses the host ${host} (HTTP ${main.status})`,
        `${refusal.server}: ${refusal.setting}`,
      );
    }
    return fail('wrong-backend', 'identity-mismatch', `answers as another server (HTTP ${main.status})`);
  }
  const strength = reference.ref.kind === 'fingerprint' ? reference.ref.strength : reference.ref.kind === 'none' ? null : 'strong';
  let websocket: Verification['websocket'] = 'not-checked';
  if (probes.websocket) {
    websocket = probes.websocket.ok && probes.websocket.status === 101 ? 'ok' : 'failed';
    if (websocket === 'failed') {
      const why = probes.websocket.ok ? `upgrade answered HTTP ${probes.websocket.status}` : probes.websocket.error;
      return { ...fail('unreachable', 'websocket-failed', why), websocket };
    }
  }
  return {
    status: 'verified',
    reason: null,
    error: null,
    hint:
      strength === 'weak'
        ? "Identity was checked loosely because the backend's page changes on every request: set a json-field or header identity check for a strict one."
        : null,
    identityStrength: strength,
    websocket,
  };
}

function tlsOf(candidate: ProviderCandidate, main: ProbeResult): TlsInfo | null {
  if (!candidate.url.startsWith('https:')) return null;
  return main.tls ?? { trusted: false, issuer: null, validTo: null, error: 'no TLS handshake' };
}

/**
 * Probes every candidate concurrently (each request with its own deadline) together with the
 * loopback reference, and turns each into a verified, classified endpoint.
 */
export async function verifyCandidates(opts: VerifyOptions, candidates: ProviderCandidate[]): Promise<Endpoint[]> {
  const now = opts.now ?? (() => new Date());
  // A probe to an address of this machine that vanishes meanwhile (a Wi-Fi change, a VPN going
  // down) is stopped and the candidate dropped: it neither holds the list back until its timeout
  // nor comes back as "unreachable, a firewall…".
  const local = opts.localAddresses ?? interfaceAddresses;
  const atStart = local();
  const watched = candidates.map((c) => {
    const host = normalizeAddress(new URL(c.url).hostname.replace(/^\[(.*)\]$/, '$1'));
    return isIP(host) && atStart.has(host) ? host : null;
  });
  const stoppers = candidates.map(() => new AbortController());
  const vanished = new Set<number>();
  const checkVanished = (): void => {
    const current = local();
    watched.forEach((host, i) => {
      if (host !== null && !current.has(host) && !vanished.has(i)) {
        vanished.add(i);
        stoppers[i]?.abort();
      }
    });
  };
  const watcher = watched.some((h) => h !== null) ? setInterval(checkVanished, VANISHED_CHECK_MS) : null;
  let reference: ReferenceOutcome;
  let probes: CandidateProbes[];
  try {
    [reference, ...probes] = (await Promise.all([
      readReference(opts, chooseReferenceHost(opts.listen)),
      ...candidates.map((c, i) => {
        const stopper = stoppers[i]?.signal as AbortSignal;
        return probeCandidate({ ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, stopper]) : stopper }, c);
      }),
    ])) as [ReferenceOutcome, ...CandidateProbes[]];
  } finally {
    if (watcher) clearInterval(watcher);
  }
  if (watcher) checkVanished();
  const checkedAt = now().toISOString();
  return candidates.flatMap((candidate, i) => (vanished.has(i) ? [] : [verdictFor(candidate, i)]));

  function verdictFor(candidate: ProviderCandidate, i: number): Endpoint {
    const p = probes[i] as CandidateProbes;
    const verdict = judge(opts, candidate, p, reference, atStart);
    const answered = p.main.ok ? (p.main as ProbeAnswer) : null;
    const verification: Verification = {
      checkedAt,
      latencyMs: answered ? Math.round(answered.latencyMs * 10) / 10 : null,
      httpStatus: answered?.status ?? null,
      identity: reference.ok ? reference.ref.kind : 'none',
      identityStrength: verdict.identityStrength,
      from: 'this-host',
      address: p.main.address,
      websocket: verdict.websocket,
      reason: verdict.reason,
      error: verdict.error,
      hint: verdict.hint,
    };
    return createEndpoint({
      ...candidate,
      backend: opts.backend.name,
      status: verdict.status,
      verification,
      tls: tlsOf(candidate, p.main),
    });
  }
}

/** Builds endpoints without probing (`--no-verify`): status "unverified". */
export function unverifiedEndpoints(backend: Backend, candidates: ProviderCandidate[]): Endpoint[] {
  return candidates.map((candidate) =>
    createEndpoint({
      ...candidate,
      backend: backend.name,
      status: 'unverified',
      verification: UNCHECKED_VERIFICATION,
      tls: candidate.url.startsWith('https:') ? { trusted: false, issuer: null, validTo: null, error: 'not checked' } : null,
    }),
  );
}
