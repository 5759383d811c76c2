import type { ExposureRecord, ExposureType } from '@endpointd/core';

/** The records without the one of this backend and type. */
export function withoutRecord(records: readonly ExposureRecord[], backend: string, type: ExposureType): ExposureRecord[] {
  return records.filter((r) => !(r.backend === backend && r.type === type));
}

/** What a daemon start does with each remembered exposure. */
export interface RestorePlan {
  /** Started again. */
  start: ExposureRecord[];
  /** Failed permanently before: shown as failed, not started, until enabled again. */
  failed: ExposureRecord[];
  /** Its backend is gone (removed from the config while the daemon was down): cleaned up and forgotten. */
  orphaned: ExposureRecord[];
  /** Its time ran out while the daemon was down: cleaned up and forgotten, as a disable would have. */
  expired: ExposureRecord[];
}

/** Sorts remembered exposures for a daemon start; pure, so each rule is tested alone. */
export function planRestore(records: readonly ExposureRecord[], backendExists: (name: string) => boolean, nowMs: number): RestorePlan {
  const plan: RestorePlan = { start: [], failed: [], orphaned: [], expired: [] };
  for (const record of records) {
    if (!backendExists(record.backend)) plan.orphaned.push(record);
    else if (record.failed) plan.failed.push(record);
    else if (record.expiresAt && Date.parse(record.expiresAt) <= nowMs) plan.expired.push(record);
    else plan.start.push(record);
  }
  return plan;
}
