import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { classifyBrowser, scopeFor, stabilityFor } from './classify-browser.js';
import type { Endpoint, EndpointStatus, EndpointType, Scope, TlsInfo, Verification } from './schema/endpoint.js';
import type { Reason } from './schema/reason.js';

/** What a provider proposes: everything about an endpoint that does not need a probe. */
export interface CandidateInput {
  type: EndpointType;
  url: string;
  label: string;
  interface?: string;
  hasDefaultRoute?: boolean;
  /** Overrides the scope derived from the type (custom URLs configured with one). */
  scope?: Scope;
  connect?: { command: string };
  /** The provider already knows this candidate cannot work: it is reported unreachable with this reason. */
  blocked?: { reason: Reason; detail: string };
}

export interface CreateEndpointInput extends CandidateInput {
  backend: string;
  provider: string;
  status: EndpointStatus;
  verification: Verification;
  tls: TlsInfo | null;
}

/** Verification of an endpoint that has not been probed (yet, or on request). */
export const UNCHECKED_VERIFICATION: Verification = Object.freeze({
  checkedAt: null,
  latencyMs: null,
  httpStatus: null,
  identity: 'none',
  identityStrength: null,
  from: 'this-host',
  address: null,
  websocket: 'not-checked',
  reason: null,
  error: null,
  hint: null,
});

/** Normalises a candidate URL to an http(s) base URL ending with "/"; throws on anything else. */
export function normalizeBaseUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`endpoint URL must be http(s), got ${url.protocol}`);
  }
  url.hash = '';
  url.search = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The URL's port, explicit or the scheme's (443 for an https name). */
export function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Stable id from backend + type + url, short enough to type. */
export function endpointId(backend: string, type: EndpointType, url: string): string {
  const digest = createHash('sha256').update(`${backend}\n${type}\n${url}`).digest('base64url');
  return `${type}-${digest.slice(0, 10)}`;
}

/** The only way to build an endpoint: derives url form, wsUrl, id, host, port, family, scope and browser verdict. */
export function createEndpoint(input: CreateEndpointInput): Endpoint {
  const url = normalizeBaseUrl(input.url);
  const href = url.href;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = effectivePort(url);
  const version = isIP(host);
  const resolved = input.verification.address;
  const endpoint: Endpoint = {
    id: endpointId(input.backend, input.type, href),
    backend: input.backend,
    type: input.type,
    provider: input.provider,
    label: input.label,
    url: href,
    wsUrl: href.replace(/^http/, 'ws'),
    host,
    port,
    family: version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : 'dns',
    scope: input.scope ?? scopeFor(input.type, host, resolved),
    stability: stabilityFor(input.type),
    status: input.status,
    verification: input.verification,
    tls: input.tls,
    browser: classifyBrowser({ url, resolvedAddress: resolved, tlsTrusted: input.tls?.trusted ?? null }),
    isDefault: false,
  };
  if (input.interface !== undefined) endpoint.interface = input.interface;
  if (input.hasDefaultRoute) endpoint.hasDefaultRoute = true;
  if (input.connect) endpoint.connect = input.connect;
  return endpoint;
}

/**
 * The backend as a proxy or tunnel on this machine reaches it: plain http at 127.0.0.1, or https
 * at localhost (the name a local certificate is made for; the proxy verifies it, endpointd never
 * asks a tool to skip that).
 */
export function originFor(port: number, scheme: 'http' | 'https'): string {
  return scheme === 'https' ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
}
