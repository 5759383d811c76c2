import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientReport, DefaultResolution, EndpointList, EndpointType, ReportAccepted } from '@endpointd/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Daemon } from '../daemon.js';
import type { CachedList } from '../endpoint-cache.js';
import { REPORT_TTL_MS } from '../report-book.js';
import type { Admission, RequestHead } from './guard.js';
import { BackendParams, ERROR_RESPONSES, SECURITY } from './schemas.js';

const ListQuery = z.object({
  /** Re-discover and re-verify now instead of answering from the cache. */
  refresh: z.enum(['true', 'false']).optional(),
  /** "false": candidates only, no probes (not cached). */
  verify: z.enum(['true', 'false']).optional(),
});

const LIST_TYPE = 'application/json; charset=utf-8';
/**
 * The list's headers, as a flat name, value list (writeHead's cheapest form): revalidated every
 * time against the ETag; with a length, those of the full answer.
 */
function listHeaders(etag: string, length?: number): string[] {
  return length === undefined
    ? ['etag', etag, 'cache-control', 'no-cache']
    : ['etag', etag, 'cache-control', 'no-cache', 'content-type', LIST_TYPE, 'content-length', String(length)];
}

/**
 * The request GUIs poll, `GET /v1/backends/NAME/endpoints` with a cached list, answered by the
 * HTTP server before fastify (routing, request objects, hooks): the bytes are ready, and the
 * framework's per-request work was most of the cost (routed: 0.74-0.86x a bare fastify route
 * serving the same bytes; answered here: 0.95-1.01x, `npm run bench -- --api-only`). It admits
 * with the guard's own check; anything else (another path or method, a query, an Origin that
 * needs CORS headers, a refusal, nothing cached, the server closing) returns false and takes
 * the routed way, which answers it as before.
 */
export function cachedListAnswer(
  daemon: Pick<Daemon, 'cache'>,
  admit: (req: RequestHead) => Admission,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = '/v1/backends/';
  const suffix = '/endpoints';
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(prefix) || !url.endsWith(suffix) || req.headers.origin !== undefined) return false;
    // Only a backend's own name finds a list: names are plain ([a-z0-9._-]), so an encoded,
    // nested or queried path finds none and is the router's to judge.
    const hit = daemon.cache.peek(url.slice(prefix.length, -suffix.length));
    if (!hit || !admit(req).admitted) return false;
    // Headers as an object instead cost ~0.15 of the ratio above.
    if (req.headers['if-none-match'] === hit.etag) {
      res.writeHead(304, listHeaders(hit.etag));
      res.end();
    } else {
      res.writeHead(200, listHeaders(hit.etag, hit.body.length));
      res.end(hit.body);
    }
    return true;
  };
}

/** A backend's endpoints and its default endpoint type. */
export const endpointRoutes: FastifyPluginAsyncZod<{ daemon: Daemon }> = async (app, { daemon }) => {
  const tags = ['endpoints'];
  /** Encoded once per change, so serving it only copies bytes; a GUI that polls gets 304 until it changes. */
  const sendList = (req: FastifyRequest, reply: FastifyReply, { body, etag }: CachedList) => {
    const headers = listHeaders(etag);
    for (let i = 0; i < headers.length; i += 2) reply.header(headers[i] as string, headers[i + 1]);
    if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
    // fastify sends a Buffer as is, which the zod type provider cannot express.
    return reply.type(LIST_TYPE).send(body as unknown as EndpointList);
  };
  app.get(
    '/v1/backends/:name/endpoints',
    {
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
