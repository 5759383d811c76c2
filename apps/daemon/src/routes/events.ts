import { BackendName } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { ApiFailure } from '../api-failure.js';
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
        description: 'A text/event-stream of `endpoints`, `default`, `exposure` and `provider` events, with heartbeat comments.',
        querystring: z.object({ backend: BackendName.optional() }),
        response: ERROR_RESPONSES,
      },
    },
    async (req, reply) => {
      const backend = req.query.backend ?? null;
      if (backend !== null) daemon.book.get(backend);
      if (!daemon.hub.canSubscribe())
        throw new ApiFailure(
          503,
          'ENDPOINTD_TOO_MANY_SUBSCRIBERS',
          'the event stream has as many subscribers as it takes',
          'Close event streams you no longer read, or raise maxSubscribers in the config file.',
        );
      reply.hijack();
      // Headers set by hooks (CORS) are kept: hijack bypasses fastify's own sending.
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      daemon.hub.subscribe(reply.raw, backend);
    },
  );
};
