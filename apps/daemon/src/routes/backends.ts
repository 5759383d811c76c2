import { Backend, BackendInfo } from '@endpointd/core';
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
    { schema: { tags, security: SECURITY, params: BackendParams, response: { 204: z.null(), ...ERROR_RESPONSES } } },
    async (req, reply) => {
      await daemon.book.remove(req.params.name);
      daemon.cache.forget(req.params.name);
      return reply.code(204).send(null);
    },
  );
};
