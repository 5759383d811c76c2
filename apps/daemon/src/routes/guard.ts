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
 * One root-level guard, before any route: Host must be the daemon's own loopback address (DNS
 * rebinding), an Origin must be allow-listed, and every route but GET /v1/health needs the token.
 */
export const guard = fp<GuardOptions>(
  async (app, opts) => {
    app.decorateRequest('consoleSession', null);
    // A callback hook rather than an async one: it runs on every request.
    app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
      const host = (req.headers.host ?? '').toLowerCase();
      const allowedHosts = opts.allowedHosts();
      if (!allowedHosts.has(host)) {
        refuse(reply, apiError('ENDPOINTD_HOST_REJECTED', { host: host.slice(0, 100), address: [...allowedHosts][0] ?? '' }));
        return;
      }
      const origin = req.headers.origin;
      // The console is served by the daemon itself: its own origin is always allowed.
      const fromSelf = origin === `http://${host}`;
      if (origin !== undefined && !fromSelf && !opts.allowedOrigins.has(origin)) {
        refuse(reply, apiError('ENDPOINTD_ORIGIN_REJECTED', { detail: `Origin "${origin.slice(0, 200)}" is not allowed` }));
        return;
      }
      // CORS preflights are answered by @fastify/cors; health and the console's page are public.
      if ((req.method === 'OPTIONS' && origin !== undefined) || isPublicPath(req.method, req.url)) {
        done();
        return;
      }
      const auth = req.headers.authorization ?? '';
      const hasBearer = auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ';
      if (hasBearer) {
        if (opts.tokens.check(auth.slice(7).trim())) {
          done();
          return;
        }
        reply.header('www-authenticate', 'Bearer realm="endpointd"');
        refuse(reply, apiError('ENDPOINTD_UNAUTHORIZED', { detail: 'wrong token' }));
        return;
      }
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      const session = cookie === null ? null : opts.sessions.check(cookie);
      if (session !== null) {
        // SameSite ignores ports: a page on another localhost port sends this cookie too. Only
        // the daemon's own pages may use it: same-origin reads (Sec-Fetch-Site), and changes
        // with the daemon's Origin.
        const sameOrigin = fromSelf || (origin === undefined && req.headers['sec-fetch-site'] === 'same-origin');
        if (SAFE_METHODS.has(req.method) ? sameOrigin : fromSelf) {
          req.consoleSession = session;
          done();
          return;
        }
        refuse(
          reply,
          apiError(
            'ENDPOINTD_ORIGIN_REJECTED',
            { detail: "the console session can be used only by the daemon's own pages" },
            { hint: 'Scripts and other apps send Authorization: Bearer <the token in $ENDPOINTD_HOME/token>.' },
          ),
        );
        return;
      }
      reply.header('www-authenticate', 'Bearer realm="endpointd"');
      refuse(
        reply,
        cookie !== null
          ? apiError(
              'ENDPOINTD_UNAUTHORIZED',
              { detail: 'the console session has ended' },
              { hint: 'Run `endpoints open` for a new login link.' },
            )
          : apiError('ENDPOINTD_UNAUTHORIZED', { detail: 'missing bearer token' }),
      );
    });
  },
  { name: 'endpointd-guard' },
);
