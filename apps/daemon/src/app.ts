import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { apiError } from './api-errors.js';
import type { Daemon } from './daemon.js';
import { backendRoutes } from './routes/backends.js';
import { consoleRoutes } from './routes/console.js';
import { discoveredRoutes } from './routes/discovered.js';
import { cachedListAnswer, endpointRoutes } from './routes/endpoints.js';
import { registerErrorHandling } from './routes/errors.js';
import { eventRoutes } from './routes/events.js';
import { exposureRoutes } from './routes/exposures.js';
import { createAdmission, guard, loopbackHosts } from './routes/guard.js';
import { healthRoutes } from './routes/health.js';
import { providerRoutes } from './routes/providers.js';
import { createTokenHolder } from './token.js';

/** Requests from GUIs are short; a stuck client must not hold a socket forever (SSE is hijacked). */
const REQUEST_TIMEOUT_MS = 30_000;
/** fastify's default: longer than the idle timeouts of common proxies and clients. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** Request bodies are small JSON documents. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppOptions {
  daemon: Daemon;
  token: string;
  /** The port the daemon listens on, for the Host check (a getter: with port 0 it is known only after listen). */
  readonly port: number;
  /** @default "127.0.0.1" */
  listenHost?: string;
  /** @default [] */
  allowedOrigins?: readonly string[];
  /** @default false (no logging) */
  logger?: FastifyBaseLogger | false;
  /** Where the built console is; null: not built. @default beside the daemon's bundle */
  consoleDir?: string | null;
}

/** Builds the HTTP API on a daemon; `server.ts` listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // Set once the routes exist: requests it answers never reach fastify (see cachedListAnswer).
  let early: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  let closing = false;
  const app = Fastify({
    // The server fastify would make, with a first look at each request (fastify applies its
    // timeouts only to a server it makes itself).
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (closing || !early?.(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = REQUEST_TIMEOUT_MS;
      return server;
    },
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    // Per-request log lines would cost throughput on the hot path; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger (one allocation per request on the hot path): errors are
    // logged with their own context by the error handler.
    childLoggerFactory: (logger) => logger,
    // Errors fastify answers itself (bad URL encoding, malformed HTTP) keep the API's one error shape.
    frameworkErrors: (error, _req, reply) => {
      const failure = apiError('ENDPOINTD_BAD_REQUEST', { detail: error.message });
      (reply as FastifyReply)
        .code(failure.statusCode)
        .send({ statusCode: failure.statusCode, code: failure.code, message: failure.message });
    },
    clientErrorHandler: (_err, socket) => {
      const failure = apiError('ENDPOINTD_BAD_REQUEST', { detail: 'malformed HTTP request' });
      const body = JSON.stringify({ statusCode: failure.statusCode, code: failure.code, message: failure.message });
      if (socket.writable)
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      else socket.destroy();
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'endpointd',
        version: options.daemon.version,
        description: 'Every way a local backend can be reached, verified. See CONTRACT.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The token in $ENDPOINTD_HOME/token' } } },
    },
    transform: jsonSchemaTransform,
  });
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  let hosts = { port: -1, set: new Set<string>() };
  const allowedHosts = () => {
    if (hosts.port !== options.port) hosts = { port: options.port, set: loopbackHosts(options.port, options.listenHost ?? '127.0.0.1') };
    return hosts.set;
  };
  const tokens = createTokenHolder(options.daemon.home, options.token);
  const admit = createAdmission({ tokens, sessions: options.daemon.sessions, allowedHosts, allowedOrigins });
  await app.register(guard, { admit });
  // Without allowed origins the guard refuses every Origin, so there is no CORS to answer (and
  // no per-request hook to pay for).
  if (allowedOrigins.size > 0) {
    await app.register(cors, {
      origin: [...allowedOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    });
  }

  const { daemon } = options;
  await app.register(healthRoutes, { daemon });
  await app.register(backendRoutes, { daemon });
  await app.register(endpointRoutes, { daemon });
  await app.register(providerRoutes, { daemon });
  await app.register(exposureRoutes, { daemon });
  await app.register(eventRoutes, { daemon });
  await app.register(discoveredRoutes, { daemon });
  await app.register(consoleRoutes, { daemon, tokens, ...(options.consoleDir !== undefined ? { dir: options.consoleDir } : {}) });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // While closing, fastify answers 503 (return503OnClosing): nothing is answered around it.
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  early = cachedListAnswer(daemon, admit);
  return app;
}
