import { Exposure, ExposureRequest, ExposureType } from '@endpointd/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import { BackendParams, ERROR_RESPONSES, SECURITY } from './schemas.js';

/** /v1/backends/:name/exposures: what endpointd set up for a backend. */
export const exposureRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  const tags = ['exposures'];
  app.get(
    '/v1/backends/:name/exposures',
    {
      schema: {
        tags,
        security: SECURITY,
        params: BackendParams,
        response: { 200: z.object({ exposures: z.array(Exposure) }), ...ERROR_RESPONSES },
      },
    },
    async (req) => ({ exposures: daemon.exposures.list(req.params.name) }),
  );
  app.post(
    '/v1/backends/:name/exposures',
    { schema: { tags, security: SECURITY, params: BackendParams, body: ExposureRequest, response: { 202: Exposure, ...ERROR_RESPONSES } } },
    async (req, reply) => reply.code(202).send(await daemon.exposures.enable(req.params.name, req.body)),
  );
  app.delete(
    '/v1/backends/:name/exposures/:type',
    {
      schema: {
        tags,
        security: SECURITY,
        params: BackendParams.extend({ type: ExposureType }),
        response: { 200: Exposure, ...ERROR_RESPONSES },
      },
    },
    async (req) => await daemon.exposures.disable(req.params.name, req.params.type),
  );
};
