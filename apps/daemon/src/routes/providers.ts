import { ProviderStatus } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import { SECURITY } from './schemas.js';

/** GET /v1/providers: each provider's availability, tool version and reason. */
export const providerRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  app.get(
    '/v1/providers',
    { schema: { tags: ['providers'], security: SECURITY, response: { 200: z.object({ providers: z.array(ProviderStatus) }) } } },
    async () => ({
      providers: await daemon.board.list(),
    }),
  );
};
