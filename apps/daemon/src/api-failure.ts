import type { FieldIssue } from '@endpointd/core';
/** An expected API failure: answered as { statusCode, code, message, hint? }, never logged as a crash. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }
}

export function backendNotFound(name: string, known: string[]): ApiFailure {
  return new ApiFailure(
    404,
    'ENDPOINTD_BACKEND_NOT_FOUND',
    `no backend named "${name}"`,
    known.length ? `Known backends: ${known.join(', ')}.` : 'Add one with `endpoints backends add NAME --port N`.',
  );
}
