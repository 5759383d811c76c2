import { Health } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Daemon } from '../daemon.js';

/** GET /v1/health: liveness and start-up problems; the one route without a token. */
export const healthRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  app.get('/v1/health', { schema: { tags: ['daemon'], response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: daemon.version,
    pid: process.pid,
    uptimeMs: Date.now() - daemon.startedAt,
    problems: [...daemon.problems, ...daemon.board.problems()],
  }));
};
