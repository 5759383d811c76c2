import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createTokenChecker } from '../token.js';

export interface GuardOptions {
  token: string;
  /** Host header values accepted (host:port), lower-case; read per request, as the port is known only after listen. */
  allowedHosts: () => ReadonlySet<string>;
  /** Browser origins allowed to call the API; any other Origin is refused. */
  allowedOrigins: ReadonlySet<string>;
}

function refuse(reply: FastifyReply, statusCode: number, code: string, message: string, hint: string) {
  return reply.code(statusCode).send({ statusCode, code, message, hint });
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
    const isToken = createTokenChecker(opts.token);
    // A callback hook rather than an async one: it runs on every request.
    app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
      const host = (req.headers.host ?? '').toLowerCase();
      const allowedHosts = opts.allowedHosts();
      if (!allowedHosts.has(host)) {
        refuse(
          reply,
          403,
          'ENDPOINTD_HOST_REJECTED',
          `Host "${host.slice(0, 100)}" is not this daemon's address`,
          `Call the daemon as http://${[...allowedHosts][0]}; other host names are refused to stop DNS rebinding.`,
        );
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !opts.allowedOrigins.has(origin)) {
        refuse(
          reply,
          403,
          'ENDPOINTD_ORIGIN_REJECTED',
          `Origin "${origin.slice(0, 200)}" is not allowed`,
          'Allow it with `endpointd --allow-origin ORIGIN` or "allowedOrigins" in the config file.',
        );
        return;
      }
      // CORS preflights are answered by @fastify/cors; health is public.
      if ((req.method === 'OPTIONS' && origin !== undefined) || (req.method === 'GET' && req.url === '/v1/health')) {
        done();
        return;
      }
      const auth = req.headers.authorization ?? '';
      const hasBearer = auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ';
      if (!hasBearer || !isToken(auth.slice(7).trim())) {
        reply.header('www-authenticate', 'Bearer realm="endpointd"');
        refuse(
          reply,
          401,
          'ENDPOINTD_UNAUTHORIZED',
          hasBearer ? 'wrong token' : 'missing bearer token',
          'Send Authorization: Bearer <the token in $ENDPOINTD_HOME/token>.',
        );
        return;
      }
      done();
    });
  },
  { name: 'endpointd-guard' },
);
