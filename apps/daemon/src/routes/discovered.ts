import { AdoptRequest, BackendInfo, DiscoveredService } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import { ERROR_RESPONSES, SECURITY } from './schemas.js';

/** /v1/discovered: what listens on this machine, and adopting one as a backend. */
export const discoveredRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  const tags = ['discovery'];
  app.get(
    '/v1/discovered',
    {
      schema: {
        tags,
        security: SECURITY,
        description:
          'Listening TCP services of this machine (owner shown where the OS allows), labelled; null services where sockets cannot be read.',
        response: { 200: z.object({ services: z.array(DiscoveredService).nullable() }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ services: await daemon.discovery.list() }),
  );
  app.post(
    '/v1/discovered/adopt',
    { schema: { tags, security: SECURITY, body: AdoptRequest, response: { 201: BackendInfo, ...ERROR_RESPONSES } } },
    async (req, reply) => {
      const added = await daemon.discovery.adopt(req.body);
      void daemon.cache.get(added.name).catch(() => undefined);
      return reply.code(201).send(added);
    },
  );
};
