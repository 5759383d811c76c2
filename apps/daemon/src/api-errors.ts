import { type FieldIssue, fillTemplate } from '@endpointd/core';
import { ApiFailure } from './api-failure.js';
import type { DomainError, DomainErrorKind } from './domain-errors.js';

interface ErrorSpec {
  /** The HTTP status; null for a problem reported in GET /v1/health rather than answered. */
  status: number | null;
  /** `{name}` placeholders are filled by the caller. */
  message: string;
  hint: string | null;
}

/**
 * Every ENDPOINTD_* code the daemon answers or reports, defined once (as fastify's lib/errors.js
 * does): status, message template and hint. The README's error table is checked against this.
 */
export const API_ERRORS = {
  ENDPOINTD_BAD_REQUEST: { status: 400, message: '{detail}', hint: null },
  ENDPOINTD_INVALID_JSON: {
    status: 400,
    message: 'request body is not valid JSON: {detail}',
    hint: 'Send a JSON object with Content-Type: application/json.',
  },
  ENDPOINTD_VALIDATION: { status: 400, message: '{detail}', hint: null },
  ENDPOINTD_EXPOSURE_UNSUPPORTED: {
    status: 400,
    message: 'no provider can set up {type} here',
    hint: 'Check `endpoints doctor`: the provider for this type is missing or unavailable.',
  },
  ENDPOINTD_UNAUTHORIZED: { status: 401, message: '{detail}', hint: 'Send Authorization: Bearer <the token in $ENDPOINTD_HOME/token>.' },
  ENDPOINTD_HOST_REJECTED: {
    status: 403,
    message: 'Host "{host}" is not this daemon\'s address',
    hint: 'Call the daemon as http://{address}; other host names are refused to stop DNS rebinding.',
  },
  ENDPOINTD_ORIGIN_REJECTED: {
    status: 403,
    message: '{detail}',
    hint: 'Allow it with `endpointd --allow-origin ORIGIN` or "allowedOrigins" in the config file.',
  },
  ENDPOINTD_TOKEN_REQUIRED: {
    status: 403,
    message: '{what} needs the token, not a console session',
    hint: 'Run it with the `endpoints` CLI.',
  },
  ENDPOINTD_ROUTE_NOT_FOUND: { status: 404, message: 'no route {method} {path}', hint: 'See GET /openapi.json for the API.' },
  ENDPOINTD_BACKEND_NOT_FOUND: {
    status: 404,
    message: 'no backend named "{name}"',
    hint: 'Add one with `endpoints backends add NAME --port N`.',
  },
  ENDPOINTD_EXPOSURE_NOT_FOUND: {
    status: 404,
    message: '{type} is not enabled for "{backend}"',
    hint: 'Enable it with `endpoints enable {type}`.',
  },
  ENDPOINTD_SESSION_NOT_FOUND: { status: 404, message: 'no console session "{id}"', hint: 'List them with `endpoints sessions`.' },
  ENDPOINTD_NOT_DISCOVERED: {
    status: 404,
    message: 'no discovered service {which}',
    hint: 'See `endpoints discover` for what listens here.',
  },
  ENDPOINTD_BACKEND_EXISTS: {
    status: 409,
    message: 'a backend named "{name}" already exists',
    hint: 'Choose another name, or remove the existing backend first.',
  },
  ENDPOINTD_TOO_MANY_BACKENDS: {
    status: 409,
    message: 'endpointd already serves {max} backends, its limit',
    hint: 'Remove backends you no longer use, or raise maxBackends in the config file.',
  },
  ENDPOINTD_BACKEND_NOT_REMOVABLE: {
    status: 409,
    message: 'backend "{name}" comes from {source}',
    hint: 'Remove it there and restart endpointd.',
  },
  ENDPOINTD_BODY_TOO_LARGE: { status: 413, message: 'request body is too large', hint: 'Bodies are limited to 64 KiB.' },
  ENDPOINTD_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json', hint: null },
  ENDPOINTD_INTERNAL: { status: 500, message: 'internal error; see the daemon log', hint: null },
  ENDPOINTD_STOP_FAILED: {
    status: 502,
    message: '{detail}',
    hint: 'Check `endpoints doctor`; the process may need to be stopped by hand.',
  },
  ENDPOINTD_STATE_NOT_SAVED: { status: 503, message: 'the change could not be saved', hint: '{detail}' },
  ENDPOINTD_TOO_MANY_SUBSCRIBERS: {
    status: 503,
    message: 'the event stream has as many subscribers as it takes',
    hint: 'Close event streams you no longer read, or raise maxSubscribers in the config file.',
  },
  ENDPOINTD_CONSOLE_NOT_BUILT: { status: 503, message: 'the console was not built', hint: 'Run `npm run build` (npm ci runs it).' },
  // Problems met at start or while running, listed in GET /v1/health (not answered to a request).
  ENDPOINTD_STATE_UNREADABLE: { status: null, message: '{detail}', hint: '{hint}' },
  ENDPOINTD_PLUGIN_FAILED: { status: null, message: 'plugin {source}: {detail}', hint: '{hint}' },
  ENDPOINTD_EXPOSURE_DROPPED: { status: null, message: '{detail}', hint: '{hint}' },
  ENDPOINTD_PROVIDER_INVALID_CANDIDATE: { status: null, message: '{detail}', hint: '{hint}' },
} as const satisfies Record<string, ErrorSpec>;

export type ApiErrorCode = keyof typeof API_ERRORS;
/** Codes answered to a request (they have an HTTP status). */
export type AnsweredCode = { [K in ApiErrorCode]: (typeof API_ERRORS)[K]['status'] extends number ? K : never }[ApiErrorCode];
/** Codes reported as problems in GET /v1/health. */
export type ProblemCode = Exclude<ApiErrorCode, AnsweredCode>;

type Vars = Readonly<Record<string, string | number>>;

/** The one way to raise an API error: status, message and hint come from API_ERRORS. */
export function apiError(code: AnsweredCode, vars: Vars = {}, extra: { hint?: string; issues?: FieldIssue[] } = {}): ApiFailure {
  const spec: ErrorSpec = API_ERRORS[code];
  const hint = extra.hint ?? (spec.hint === null ? undefined : fillTemplate(spec.hint, vars));
  return new ApiFailure(spec.status ?? 500, code, fillTemplate(spec.message, vars), hint, extra.issues);
}

/** Which answer each refusal of the daemon's own parts gets. */
export const DOMAIN_ERRORS = {
  'backend-not-found': 'ENDPOINTD_BACKEND_NOT_FOUND',
  'backend-exists': 'ENDPOINTD_BACKEND_EXISTS',
  'too-many-backends': 'ENDPOINTD_TOO_MANY_BACKENDS',
  'backend-not-removable': 'ENDPOINTD_BACKEND_NOT_REMOVABLE',
  'exposure-unsupported': 'ENDPOINTD_EXPOSURE_UNSUPPORTED',
  'exposure-not-found': 'ENDPOINTD_EXPOSURE_NOT_FOUND',
  'invalid-exposure-options': 'ENDPOINTD_VALIDATION',
  'stop-failed': 'ENDPOINTD_STOP_FAILED',
  'not-discovered': 'ENDPOINTD_NOT_DISCOVERED',
} as const satisfies Record<DomainErrorKind, AnsweredCode>;

/** A domain refusal as the API answers it. */
export function fromDomainError(err: DomainError): ApiFailure {
  return apiError(DOMAIN_ERRORS[err.kind], err.vars, err.extra);
}

/** A problem for GET /v1/health, in the same table's words. */
export function healthProblem(code: ProblemCode, vars: Vars): { code: ProblemCode; message: string; hint?: string } {
  const spec: ErrorSpec = API_ERRORS[code];
  const hint = spec.hint === null ? undefined : fillTemplate(spec.hint, vars);
  return { code, message: fillTemplate(spec.message, vars), ...(hint && !/\{\w+\}/.test(hint) ? { hint } : {}) };
}
