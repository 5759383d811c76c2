import { ClientReport, DefaultResolution, EndpointList, EndpointType, ReportAccepted } from '@endpointd/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import type { CachedList } from '../endpoint-cache.js';
import { REPORT_TTL_MS } from '../report-book.js';
import { BackendParams, ERROR_RESPONSES, SECURITY } from './schemas.js';

const ListQuery = z.object({
  /** Re-discover and re-verify now instead of answering from the cache. */
  refresh: z.enum(['true', 'false']).optional(),
  /** "false": candidates only, no probes (not cached). */
  verify: z.enum(['true', 'false']).optional(),
});

/** A backend's endpoints and its default endpoint type. */
export const endpointRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  const tags = ['endpoints'];
  /** Encoded once per change, so serving it only copies bytes; a GUI that polls gets 304 until it changes. */
  const sendList = (req: FastifyRequest, reply: FastifyReply, { body, etag }: CachedList) => {
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
    // fastify sends a Buffer as is, which the zod type provider cannot express.
    return reply.type('application/json; charset=utf-8').send(body as unknown as EndpointList);
  };
  app.get(
    '/v1/backends/:name/endpoints',
    {
      // The hot path, a cached list asked for without a query, is answered before validation and
      // the handler: the name is looked up as given, and anything else (an unknown name, a query,
      // nothing cached yet) goes the validated way below.
      onRequest: (req, reply, done) => {
        const hit = req.url.includes('?') ? null : daemon.cache.peek((req.params as { name?: string }).name ?? '');
        if (hit) sendList(req, reply, hit);
        else done();
      },
      schema: {
        tags,
        security: SECURITY,
        params: BackendParams,
        querystring: ListQuery,
        response: { 200: EndpointList, 304: z.null().describe('Not modified: the If-None-Match ETag is current'), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      if (req.query.verify === 'false') {
        const backend = daemon.book.get(name);
        return await daemon.registry.discover(backend, { verify: false, savedDefaultType: daemon.book.defaultType(name) });
      }
      return sendList(req, reply, await daemon.cache.get(name, { refresh: req.query.refresh === 'true' }));
    },
  );
  // Verification runs on this machine; a firewall or Wi-Fi client isolation can still stop a
  // phone. A GUI's backend forwards what its client devices reached; an endpoint every recent
  // reporting device failed is ranked after the others for the default.
  app.post(
    '/v1/backends/:name/reports',
    {
      schema: {
        tags,
        security: SECURITY,
        params: BackendParams,
        body: ClientReport,
        response: { 202: ReportAccepted, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      const { list } = await daemon.cache.get(name);
      const known = new Set(list.endpoints.map((e) => e.id));
      const { accepted, ignored } = daemon.reports.record(name, req.body, known);
      if (accepted > 0) await daemon.cache.reresolveDefault(name);
      return reply.code(202).send({ accepted, ignored, expiresInMs: REPORT_TTL_MS });
    },
  );
  app.get(
    '/v1/backends/:name/default',
    { schema: { tags, security: SECURITY, params: BackendParams, response: { 200: DefaultResolution, ...ERROR_RESPONSES } } },
    async (req) => (await daemon.cache.get(req.params.name)).list.default,
  );
  app.put(
    '/v1/backends/:name/default',
    {
      schema: {
        tags,
        security: SECURITY,
        params: BackendParams,
        body: z.object({ type: EndpointType }),
        response: { 200: DefaultResolution, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      await daemon.book.setDefaultType(req.params.name, req.body.type);
      return (await daemon.cache.reresolveDefault(req.params.name)).list.default;
    },
  );
  app.delete(
    '/v1/backends/:name/default',
    { schema: { tags, security: SECURITY, params: BackendParams, response: { 200: DefaultResolution, ...ERROR_RESPONSES } } },
    async (req) => {
      await daemon.book.setDefaultType(req.params.name, null);
      return (await daemon.cache.reresolveDefault(req.params.name)).list.default;
    },
  );
};
