import { join } from 'node:path';
import { HOME_FILES, readHomeFile } from './home.js';

// Apart from token.ts, which needs core: the CLI reads the token on its fast path (raw-daemon.ts).

/** Reads the token for a client; null when the daemon never ran with this home. */
export function readToken(home: string): string | null {
  try {
    return readHomeFile(join(home, HOME_FILES.token))?.trim() || null;
  } catch {
    return null;
  }
}
