import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { apiError } from '../api-errors.js';
import type { ApiFailure } from '../api-failure.js';
import { readCookie, SESSION_COOKIE, type SessionBook } from '../session-book.js';
import type { TokenHolder } from '../token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session the request came with; null for a bearer-token request. */
    consoleSession: string | null;
  }
}

/** The console page and its assets: no data in them, so no credentials asked. */
export function isPublicPath(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path === '/v1/health' || path === '/' || path.startsWith('/console/');
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface GuardOptions {
  tokens: TokenHolder;
  sessions: SessionBook;
  /** Host header values accepted (host:port), lower-case; read per request, as the port is known only after listen. */
  allowedHosts: () => ReadonlySet<string>;
  /** Browser origins allowed to call the API; any other Origin is refused. */
  allowedOrigins: ReadonlySet<string>;
}

function refuse(reply: FastifyReply, failure: ApiFailure) {
  return reply
    .code(failure.statusCode)
    .send({ statusCode: failure.statusCode, code: failure.code, message: failure.message, hint: failure.hint });
}

/** The names a loopback daemon on `port` answers to; anything else is DNS rebinding or a mistake. */
export function loopbackHosts(port: number, listenHost: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  hosts.add((listenHost.includes(':') ? `[${listenHost}]:${port}` : `${listenHost}:${port}`).toLowerCase());
  return hosts;
}

/**
 * What the guard decided: admitted (with the console session used, null for the token), or
 * refused with a failure to answer (with WWW-Authenticate when `challenge`).
 */
export type Admission = { admitted: true; session: string | null } | { admitted: false; failure: ApiFailure; challenge: boolean };

/** The parts of a request the guard reads: a fastify request and a raw IncomingMessage both have them. */
export interface RequestHead {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

/** Admitted without a console session: a public path, a preflight, or the token. */
const NO_SESSION: Admission = { admitted: true, session: null };

/**
 * The one admission check, run before any route: Host must be the daemon's own loopback address
 * (DNS rebinding), an Origin must be allow-listed, and every route but the public ones needs the
 * token or a console session. The guard hook below and the cached-list answer that runs before
 * fastify (`cachedListAnswer`) both ask it, so they cannot disagree.
 */
export function createAdmission(opts: GuardOptions): (req: RequestHead) => Admission {
  return (req) => {
    const method = req.method ?? '';
    const host = (req.headers.host ?? '').toLowerCase();
    const allowedHosts = opts.allowedHosts();
    if (!allowedHosts.has(host)) {
      return refused(apiError('ENDPOINTD_HOST_REJECTED', { host: host.slice(0, 100), address: [...allowedHosts][0] ?? '' }));
    }
    const origin = req.headers.origin;
    // The console is served by the daemon itself: its own origin is always allowed.
    const fromSelf = origin !== undefined && origin === `http://${host}`;
    if (origin !== undefined && !fromSelf && !opts.allowedOrigins.has(origin)) {
      return refused(apiError('ENDPOINTD_ORIGIN_REJECTED', { detail: `Origin "${origin.slice(0, 200)}" is not allowed` }));
    }
    // CORS preflights are answered by @fastify/cors; health and the console's page are public.
    if ((method === 'OPTIONS' && origin !== undefined) || isPublicPath(method, req.url ?? '')) return NO_SESSION;
    const auth = req.headers.authorization;
    if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
      if (opts.tokens.check(auth.slice(7).trim())) return NO_SESSION;
      return refused(apiError('ENDPOINTD_UNAUTHORIZED', { detail: 'wrong token' }), true);
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = cookie === null ? null : opts.sessions.check(cookie);
    if (session !== null) {
      // SameSite ignores ports: a page on another localhost port sends this cookie too. Only
      // the daemon's own pages may use it: same-origin reads (Sec-Fetch-Site), and changes
      // with the daemon's Origin.
      const sameOrigin = fromSelf || (origin === undefined && req.headers['sec-fetch-site'] === 'same-origin');
      if (SAFE_METHODS.has(method) ? sameOrigin : fromSelf) return { admitted: true, session };
      return refused(
        apiError(
          'ENDPOINTD_ORIGIN_REJECTED',
          { detail: "the console session can be used only by the daemon's own pages" },
          { hint: 'Scripts and other apps send Authorization: Bearer <the token in $ENDPOINTD_HOME/token>.' },
        ),
      );
    }
    return refused(
      cookie !== null
        ? apiError(
            'ENDPOINTD_UNAUTHORIZED',
            { detail: 'the console session has ended' },
            { hint: 'Run `endpoints open` for a new login link.' },
          )
        : apiError('ENDPOINTD_UNAUTHORIZED', { detail: 'missing bearer token' }),
      true,
    );
  };
}

function refused(failure: ApiFailure, challenge = false): Admission {
  return { admitted: false, failure, challenge };
}

/** The root-level hook that applies the admission check to every request fastify routes. */
export const guard = fp<{ admit: (req: RequestHead) => Admission }>(
  async (app, { admit }) => {
    app.decorateRequest('consoleSession', null);
    // A callback hook rather than an async one: it runs on every request.
    app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
      const admission = admit(req);
      if (admission.admitted) {
        req.consoleSession = admission.session;
        done();
        return;
      }
      if (admission.challenge) reply.header('www-authenticate', 'Bearer realm="endpointd"');
      refuse(reply, admission.failure);
    });
  },
  { name: 'endpointd-guard' },
);
