import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConsoleSession, LoginLink, SessionsRevoked } from '@endpointd/core';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { apiError } from '../api-errors.js';
import type { Daemon } from '../daemon.js';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../session-book.js';
import type { TokenHolder } from '../token.js';
import { ERROR_RESPONSES, SECURITY } from './schemas.js';

/**
 * The console's policy: its own scripts and styles only (no inline script, no CDN), API calls to
 * the daemon only, images from itself or data: (the QR code is inline SVG), never framed.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSETS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/console/app.js': 'app.js',
  '/console/app.css': 'app.css',
};
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Where the built console is: beside the daemon's bundle (dist/console), or dist/ when run from source. */
function consoleDir(): string | null {
  for (const relative of ['./console/', '../../dist/console/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/console/app.css"><main class="notice"><h1>${title}</h1><p>${text}</p></main></html>`;

const sessionCookie = (value: string, maxAgeS: number) =>
  `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;

/** The web console: its page, the one-time login, console sessions and token rotation. */
export const consoleRoutes: FastifyPluginAsyncZod<{ daemon: Daemon; tokens: TokenHolder; dir?: string | null }> = async (app, options) => {
  const { daemon, tokens } = options;
  const dir = options.dir === undefined ? consoleDir() : options.dir;
  const cache = new Map<string, Buffer>();
  const tags = ['console'];
  const bearerOnly = (session: string | null, what: string) => {
    if (session !== null) throw apiError('ENDPOINTD_TOKEN_REQUIRED', { what });
  };

  for (const [path, file] of Object.entries(ASSETS)) {
    app.get(path, { schema: { hide: true } }, async (_req, reply) => {
      if (!dir) throw apiError('ENDPOINTD_CONSOLE_NOT_BUILT');
      let body = cache.get(file);
      if (!body) {
        body = readFileSync(`${dir}${file}`);
        cache.set(file, body);
      }
      return secureHeaders(reply)
        .header('cache-control', 'no-cache')
        .type(TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream')
        .send(body);
    });
  }

  app.get(
    '/console/login',
    { schema: { hide: true, querystring: z.object({ code: z.string().max(200).optional() }) } },
    async (req, reply) => {
      const redeemed = req.query.code ? daemon.sessions.redeem(req.query.code, req.headers['user-agent'] ?? null) : null;
      secureHeaders(reply).header('cache-control', 'no-store');
      if (!redeemed) {
        return reply
          .code(401)
          .type(TYPES.html as string)
          .send(
            page(
              'This login link does not work',
              'It was used already or is more than a minute old. Run <code>endpoints open</code> for a new one.',
            ),
          );
      }
      // 303 to the page: the code leaves the address bar, and the redirect adds no history entry.
      return reply
        .code(303)
        .header('set-cookie', sessionCookie(redeemed.cookie, Math.floor(SESSION_TTL_MS / 1000)))
        .header('location', '/')
        .send();
    },
  );

  app.post(
    '/v1/console/links',
    {
      schema: {
        tags,
        security: SECURITY,
        description: 'A one-time login link for the console (single use, valid for a minute). Token only.',
        response: { 201: LoginLink, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      bearerOnly(req.consoleSession, 'a login link');
      const { code, expiresAt } = daemon.sessions.createLoginCode();
      // The guard accepted this Host as the daemon's own address.
      return reply.code(201).send({ url: `http://${req.headers.host}/console/login?code=${code}`, expiresAt });
    },
  );

  app.get(
    '/v1/sessions',
    { schema: { tags, security: SECURITY, response: { 200: z.object({ sessions: z.array(ConsoleSession) }), ...ERROR_RESPONSES } } },
    async (req) => ({ sessions: daemon.sessions.list(req.consoleSession) }),
  );
  app.delete(
    '/v1/sessions/:id',
    {
      schema: {
        tags,
        security: SECURITY,
        params: z.object({ id: z.string().max(64) }),
        response: { 200: z.object({ revoked: z.literal(true) }), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      if (!daemon.sessions.revoke(req.params.id)) throw apiError('ENDPOINTD_SESSION_NOT_FOUND', { id: req.params.id });
      return { revoked: true as const };
    },
  );
  app.delete(
    '/v1/sessions',
    { schema: { tags, security: SECURITY, response: { 200: SessionsRevoked, ...ERROR_RESPONSES } } },
    async () => ({ revoked: daemon.sessions.revokeAll() }),
  );
  app.post(
    '/v1/console/logout',
    { schema: { tags, security: SECURITY, response: { 200: z.object({ revoked: z.boolean() }), ...ERROR_RESPONSES } } },
    async (req, reply) => {
      const revoked = req.consoleSession !== null && daemon.sessions.revoke(req.consoleSession);
      return reply.header('set-cookie', sessionCookie('', 0)).send({ revoked });
    },
  );
  app.post(
    '/v1/token/rotate',
    {
      schema: {
        tags,
        security: SECURITY,
        description: 'Writes a new token to $ENDPOINTD_HOME/token (the old one stops working) and ends every console session. Token only.',
        response: { 200: SessionsRevoked, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      bearerOnly(req.consoleSession, 'rotating the token');
      tokens.rotate();
      return { revoked: daemon.sessions.revokeAll() };
    },
  );
};
