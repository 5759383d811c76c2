import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a fake tool recorded of its invocations (one JSON argv per line in STATE/invocations.log). */
export function readInvocations(state: string): string[][] {
  const file = join(state, 'invocations.log');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as string[])
    : [];
}
