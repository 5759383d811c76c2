import { Backend, BackendInfo, BackendRemoval } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import { BackendParams, ERROR_RESPONSES, SECURITY } from './schemas.js';

/** /v1/backends: list, add and remove backends. */
export const backendRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  const tags = ['backends'];
  app.get(
    '/v1/backends',
    { schema: { tags, security: SECURITY, response: { 200: z.object({ backends: z.array(BackendInfo) }) } } },
    async () => ({
      backends: daemon.book.list(),
    }),
  );
  app.post(
    '/v1/backends',
    { schema: { tags, security: SECURITY, body: Backend, response: { 201: BackendInfo, ...ERROR_RESPONSES } } },
    async (req, reply) => {
      const added = await daemon.book.add(req.body);
      void daemon.cache.get(added.name).catch(() => undefined);
      return reply.code(201).send(added);
    },
  );
  app.delete(
    '/v1/backends/:name',
    {
      schema: {
        tags,
        security: SECURITY,
        description: 'Stops every exposure of the backend, then forgets the backend; the answer says which exposures were stopped.',
        params: BackendParams,
        response: { 200: BackendRemoval, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { name } = req.params;
      const removal: BackendRemoval = { backend: name, stoppedExposures: [], failedStops: [] };
      await daemon.book.remove(name, async () => {
        // Exposures never outlive their backend: stopped first, in the writer's turn, so an
        // enable racing this removal cannot leave one behind.
        for (const outcome of await daemon.exposures.stopAll(name)) {
          if (outcome.stopped) removal.stoppedExposures.push(outcome.type);
          else removal.failedStops.push({ type: outcome.type, error: outcome.error });
        }
      });
      daemon.cache.forget(name);
      daemon.reports.forget(name);
      return removal;
    },
  );
};
