import { formatIssues, plainMessage } from '@endpointd/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { apiError, fromDomainError } from '../api-errors.js';
import { ApiFailure } from '../api-failure.js';
import { DomainError } from '../domain-errors.js';
import { StateWriteError } from '../state-store.js';

interface ValidationItem {
  instancePath?: string;
  message?: string;
}

/** Turns every failure into { statusCode, code, message, hint? }: never a stack, never a 500 for bad input. */
export function registerErrorHandling(app: FastifyInstance): void {
  const send = (reply: FastifyReply, failure: ApiFailure) =>
    reply.code(failure.statusCode).send({
      statusCode: failure.statusCode,
      code: failure.code,
      message: failure.message,
      ...(failure.hint ? { hint: failure.hint } : {}),
      ...(failure.issues ? { issues: failure.issues } : {}),
    });
  app.setErrorHandler((err: FastifyError | ApiFailure, req, reply) => {
    if (err instanceof ApiFailure) return send(reply, err);
    if (err instanceof DomainError) return send(reply, fromDomainError(err));
    if (err instanceof StateWriteError) {
      req.log.error({ errno: err.errno, file: err.file }, 'state not saved');
      return send(reply, apiError('ENDPOINTD_STATE_NOT_SAVED', { detail: err.hint }));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as FastifyError).validationContext ?? 'request';
      const issues = (err.validation as ValidationItem[]).map((v) => ({
        path: [where, ...(v.instancePath ?? '').split('/').filter(Boolean)],
        message: plainMessage(v.message ?? 'invalid'),
      }));
      return send(reply, apiError('ENDPOINTD_VALIDATION', { detail: formatIssues(issues) }, { issues }));
    }
    const code = (err as FastifyError).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, apiError('ENDPOINTD_BODY_TOO_LARGE'));
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, apiError('ENDPOINTD_UNSUPPORTED_MEDIA_TYPE'));
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const isJson = code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError;
      const failure = apiError(isJson ? 'ENDPOINTD_INVALID_JSON' : 'ENDPOINTD_BAD_REQUEST', { detail: err.message });
      // fastify's own 4xx keeps its status (a 405, a 406 …); the code and words are ours.
      return send(reply, new ApiFailure(status, failure.code, failure.message, failure.hint));
    }
    req.log.error({ err }, 'unexpected error');
    return send(reply, apiError('ENDPOINTD_INTERNAL'));
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, apiError('ENDPOINTD_ROUTE_NOT_FOUND', { method: req.method, path: req.url.split('?')[0] ?? '' })),
  );
}
