import type { FieldIssue } from '@endpointd/core';

/**
 * What the daemon's own parts (backend book, exposure manager, discovery watcher) can refuse, in
 * their words, not HTTP's: the routes map each kind to its ENDPOINTD_* code and status
 * (api-errors.ts DOMAIN_ERRORS), so the same refusal reads the same in the API and the CLI.
 */
export type DomainErrorKind =
  | 'backend-not-found'
  | 'backend-exists'
  | 'too-many-backends'
  | 'backend-not-removable'
  | 'exposure-unsupported'
  | 'exposure-not-found'
  | 'invalid-exposure-options'
  | 'stop-failed'
  | 'not-discovered';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    /** Fills the message template of the code it maps to. */
    readonly vars: Readonly<Record<string, string | number>> = {},
    readonly extra: { hint?: string; issues?: FieldIssue[] } = {},
  ) {
    super(`${kind}: ${Object.values(vars).join(', ')}`);
  }
}
