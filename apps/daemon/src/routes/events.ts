import { BackendName } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { apiError } from '../api-errors.js';
import type { Daemon } from '../daemon.js';
import { ERROR_RESPONSES, SECURITY } from './schemas.js';

/** GET /v1/events: Server-Sent Events (endpoints, default, exposure, provider), optionally for one backend. */
export const eventRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  app.get(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        security: SECURITY,
        description:
          'A text/event-stream: first a `snapshot` per backend, then `endpoints`, `default`, `exposure`, `provider` and `discovered` events, with heartbeat comments. Each event has an id; a client that reconnects with Last-Event-ID gets what it missed, or a `reset` followed by snapshots.',
        querystring: z.object({ backend: BackendName.optional() }),
        response: ERROR_RESPONSES,
      },
    },
    async (req, reply) => {
      const backend = req.query.backend ?? null;
      if (backend !== null) daemon.book.get(backend);
      if (!daemon.hub.canSubscribe()) throw apiError('ENDPOINTD_TOO_MANY_SUBSCRIBERS');
      reply.hijack();
      // Headers set by hooks (CORS) are kept: hijack bypasses fastify's own sending.
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // Headers out now: the hub writes events to the connection as ready-made chunks.
      reply.raw.flushHeaders();
      // A console session's stream ends when the session is revoked (or the token rotated).
      const session = req.consoleSession;
      if (session !== null) {
        const off = daemon.sessions.onRevoke((id) => {
          if (id === session) reply.raw.destroy();
        });
        reply.raw.once('close', off);
      }
      const lastEventId = req.headers['last-event-id'];
      await daemon.hub.subscribe(reply.raw, backend, typeof lastEventId === 'string' ? lastEventId : undefined, async () => {
        const names = backend === null ? daemon.book.list().map((b) => b.name) : [backend];
        return await Promise.all(
          names.map(async (name) => ({
            event: 'snapshot' as const,
            data: {
              backend: name,
              // Never waits for probes: before the first verification the list is null, and an
              // `endpoints` event follows.
              list: daemon.cache.refreshedAt(name) === null ? null : (await daemon.cache.get(name)).list,
              exposures: daemon.exposures.list(name),
            },
          })),
        );
      });
    },
  );
};
