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
