import { formatIssues, plainMessage } from '@endpointd/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiFailure } from '../api-failure.js';
import { StateWriteError } from '../state-store.js';

interface ValidationItem {
  instancePath?: string;
  message?: string;
}

/** Turns every failure into { statusCode, code, message, hint? }: never a stack, never a 500 for bad input. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiFailure, req, reply) => {
    if (err instanceof ApiFailure) {
      return reply.code(err.statusCode).send({
        statusCode: err.statusCode,
        code: err.code,
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
        ...(err.issues ? { issues: err.issues } : {}),
      });
    }
    if (err instanceof StateWriteError) {
      req.log.error({ errno: err.errno, file: err.file }, 'state not saved');
      return reply
        .code(503)
        .send({ statusCode: 503, code: 'ENDPOINTD_STATE_NOT_SAVED', message: 'the change could not be saved', hint: err.hint });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as FastifyError).validationContext ?? 'request';
      const issues = (err.validation as ValidationItem[]).map((v) => ({
        path: [where, ...(v.instancePath ?? '').split('/').filter(Boolean)],
        message: plainMessage(v.message ?? 'invalid'),
      }));
      return reply.code(400).send({ statusCode: 400, code: 'ENDPOINTD_VALIDATION', message: formatIssues(issues), issues });
    }
    const code = (err as FastifyError).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        statusCode: 413,
        code: 'ENDPOINTD_BODY_TOO_LARGE',
        message: 'request body is too large',
        hint: 'Bodies are limited to 64 KiB.',
      });
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply
        .code(415)
        .send({ statusCode: 415, code: 'ENDPOINTD_UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const isJson = code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError;
      return reply.code(status).send({
        statusCode: status,
        code: isJson ? 'ENDPOINTD_INVALID_JSON' : 'ENDPOINTD_BAD_REQUEST',
        message: isJson ? `request body is not valid JSON: ${err.message}` : err.message,
      });
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ statusCode: 500, code: 'ENDPOINTD_INTERNAL', message: 'internal error; see the daemon log' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      statusCode: 404,
      code: 'ENDPOINTD_ROUTE_NOT_FOUND',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
      hint: 'See GET /openapi.json for the API.',
    }),
  );
}
