import {
  ApiError,
  BackendInfo,
  type BackendInput,
  BackendRemoval,
  BackendSnapshot,
  type ClientReport,
  ConsoleSession,
  DefaultChange,
  DefaultResolution,
  DiscoveredService,
  EndpointList,
  type EndpointType,
  Exposure,
  type ExposureOptions,
  type ExposureType,
  Health,
  LoginLink,
  ProviderStatus,
  ReportAccepted,
  SessionsRevoked,
  StreamReset,
} from '@endpointd/core/schema';
import * as z from 'zod';
import { fetchTransport, type Transport } from './transport.js';

/** Requests that are not event streams give up after this long. */
export const CLIENT_TIMEOUT_MS = 30_000;

/** The daemon answered with an error: { statusCode, code, message, hint? }. */
export class EndpointdApiError extends Error {
  override readonly name = 'EndpointdApiError';
  readonly statusCode: number;
  readonly code: string;
  readonly hint: string | undefined;
  /** Validation failures, each with its path in the request (to show as a form field or a flag). */
  readonly issues: ApiError['issues'];
  constructor(body: ApiError) {
    super(body.message);
    this.statusCode = body.statusCode;
    this.code = body.code;
    this.hint = body.hint;
    this.issues = body.issues;
  }
}

/** Nothing answered at the daemon's address. */
export class DaemonUnreachableError extends Error {
  override readonly name = 'DaemonUnreachableError';
  constructor(
    readonly baseUrl: string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? `endpointd is not running (no answer at ${baseUrl})`, options);
  }
}

/** One message of GET /v1/events, typed by its event name. */
const EVENT_DATA = {
  endpoints: EndpointList,
  default: DefaultChange,
  exposure: Exposure,
  provider: z.array(ProviderStatus),
  discovered: z.object({ services: z.array(DiscoveredService) }),
  snapshot: BackendSnapshot,
  reset: StreamReset,
} as const;

/** One event of the stream, typed by its name, with the SSE id it was sent with. */
export type DaemonEvent = {
  [K in keyof typeof EVENT_DATA]: { event: K; data: z.infer<(typeof EVENT_DATA)[K]>; id?: string };
}[keyof typeof EVENT_DATA];

export interface EndpointdClientOptions {
  /** e.g. "http://127.0.0.1:4737" */
  baseUrl: string;
  /**
   * The daemon's token ($ENDPOINTD_HOME/token). Omitted on the daemon's own console page, whose
   * requests carry its HttpOnly session cookie instead.
   */
  token?: string;
  /** How to send requests. @default fetchTransport() (globalThis.fetch) */
  transport?: Transport;
  /** @default CLIENT_TIMEOUT_MS */
  timeoutMs?: number;
}

/** A typed client of the endpointd API; every answer is validated with core's schemas. */
export function createEndpointdClient(options: EndpointdClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const transport = options.transport ?? fetchTransport();
  const timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS;
  const enc = encodeURIComponent;

  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal, extraHeaders: Record<string, string> = {}) {
    try {
      return await transport({
        method,
        url: `${base}${path}`,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extraHeaders,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ?? AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw err;
      throw new DaemonUnreachableError(base, { cause: err });
    }
  }

  async function request<S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown): Promise<z.infer<S>> {
    const res = await send(method, path, body);
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (res.status >= 400) {
      const parsed = ApiError.safeParse(json);
      throw new EndpointdApiError(
        parsed.success ? parsed.data : { statusCode: res.status, code: 'ENDPOINTD_HTTP_ERROR', message: `HTTP ${res.status}` },
      );
    }
    return schema.parse(json);
  }

  /**
   * The event stream: a `snapshot` per backend first, then changes. Pass the `id` of the last
   * event seen as `lastEventId` when reconnecting to get only what was missed (or a `reset`).
   */
  async function* events(opts: { backend?: string; signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<DaemonEvent> {
    const res = await send(
      'GET',
      `/v1/events${opts.backend ? `?backend=${enc(opts.backend)}` : ''}`,
      undefined,
      opts.signal ?? new AbortController().signal,
      opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {},
    );
    if (res.status !== 200) {
      const parsed = ApiError.safeParse(await res.text().then(JSON.parse, () => null));
      throw new EndpointdApiError(
        parsed.success ? parsed.data : { statusCode: res.status, code: 'ENDPOINTD_HTTP_ERROR', message: `HTTP ${res.status}` },
      );
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.stream()) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const name = /^event: (.+)$/m.exec(block)?.[1] as keyof typeof EVENT_DATA | undefined;
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (!name || !(name in EVENT_DATA) || !data) continue;
        const id = /^id: (.+)$/m.exec(block)?.[1];
        yield { event: name, data: EVENT_DATA[name].parse(JSON.parse(data)), ...(id ? { id } : {}) } as DaemonEvent;
      }
    }
  }

  return {
    baseUrl: base,
    health: () => request(Health, 'GET', '/v1/health'),
    backends: async () => (await request(z.object({ backends: z.array(BackendInfo) }), 'GET', '/v1/backends')).backends,
    addBackend: (backend: BackendInput) => request(BackendInfo, 'POST', '/v1/backends', backend),
    removeBackend: (name: string) => request(BackendRemoval, 'DELETE', `/v1/backends/${enc(name)}`),
    endpoints: (name: string, opts: { refresh?: boolean; verify?: boolean } = {}) => {
      const query = new URLSearchParams();
      if (opts.refresh) query.set('refresh', 'true');
      if (opts.verify === false) query.set('verify', 'false');
      return request(EndpointList, 'GET', `/v1/backends/${enc(name)}/endpoints${query.size ? `?${query}` : ''}`);
    },
    getDefault: (name: string) => request(DefaultResolution, 'GET', `/v1/backends/${enc(name)}/default`),
    setDefault: (name: string, type: EndpointType) => request(DefaultResolution, 'PUT', `/v1/backends/${enc(name)}/default`, { type }),
    clearDefault: (name: string) => request(DefaultResolution, 'DELETE', `/v1/backends/${enc(name)}/default`),
    providers: async () => (await request(z.object({ providers: z.array(ProviderStatus) }), 'GET', '/v1/providers')).providers,
    exposures: async (name: string) =>
      (await request(z.object({ exposures: z.array(Exposure) }), 'GET', `/v1/backends/${enc(name)}/exposures`)).exposures,
    /** `expiresInMs`: the daemon stops it after this long (it survives a daemon restart); absent: until disabled. */
    enable: (name: string, type: ExposureType, exposureOptions: ExposureOptions = {}, opts: { expiresInMs?: number } = {}) =>
      request(Exposure, 'POST', `/v1/backends/${enc(name)}/exposures`, {
        type,
        options: exposureOptions,
        ...(opts.expiresInMs !== undefined ? { expiresInMs: opts.expiresInMs } : {}),
      }),
    disable: (name: string, type: ExposureType) => request(Exposure, 'DELETE', `/v1/backends/${enc(name)}/exposures/${enc(type)}`),
    /** Forwards what one of the GUI's client devices reached (see tryEndpoints). */
    report: (name: string, report: ClientReport) => request(ReportAccepted, 'POST', `/v1/backends/${enc(name)}/reports`, report),
    /** A one-time console login link (token only; single use, valid for a minute). */
    consoleLink: () => request(LoginLink, 'POST', '/v1/console/links', {}),
    sessions: async () => (await request(z.object({ sessions: z.array(ConsoleSession) }), 'GET', '/v1/sessions')).sessions,
    revokeSession: (id: string) => request(z.object({ revoked: z.literal(true) }), 'DELETE', `/v1/sessions/${enc(id)}`),
    revokeSessions: () => request(SessionsRevoked, 'DELETE', '/v1/sessions'),
    /** Writes a new token to $ENDPOINTD_HOME/token and ends every console session (token only). */
    rotateToken: () => request(SessionsRevoked, 'POST', '/v1/token/rotate', {}),
    discovered: async () =>
      (await request(z.object({ services: z.array(DiscoveredService).nullable() }), 'GET', '/v1/discovered')).services,
    adopt: (req: { port?: number; pid?: number; name?: string }) => request(BackendInfo, 'POST', '/v1/discovered/adopt', req),
    events,
  };
}

export type EndpointdClient = ReturnType<typeof createEndpointdClient>;
