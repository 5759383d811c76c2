import { type Exposure, redactSecrets } from '@endpointd/core';

/** Fields a patch may clear by giving them as undefined. */
const CLEARABLE = ['endpoint', 'approvalUrl', 'reason', 'error', 'hint'] as const;

/**
 * The exposure after a state change: the patch applied, cleared fields removed, `updatedAt` set,
 * and secrets redacted from what a tool printed (an error or hint may quote one).
 */
export function applyExposurePatch(exposure: Exposure, patch: Partial<Exposure>, at: string): Exposure {
  const clean = { ...patch };
  for (const k of ['error', 'hint'] as const) if (typeof clean[k] === 'string') clean[k] = redactSecrets(clean[k]);
  const next: Exposure = { ...exposure, ...clean, updatedAt: at };
  for (const k of CLEARABLE) if (k in clean && clean[k] === undefined) delete next[k];
  return next;
}
