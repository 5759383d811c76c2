import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOME_FILES } from './home.js';

const TOKEN_BYTES = 32;

/** Reads the API token, creating it (mode 0600) on first start and tightening a loose mode. */
export function ensureToken(home: string): string {
  const file = join(home, HOME_FILES.token);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return token;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** Reads the token for a client; null when the daemon never ran with this home. */
export function readToken(home: string): string | null {
  try {
    return readFileSync(join(home, HOME_FILES.token), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokensMatch(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * A checker for one token, for the request hot path: constant-time over the token's bytes, with
 * no hashing per request. Only the length can leak, and every token has the same length.
 */
export function createTokenChecker(expected: string): (given: string) => boolean {
  const want = Buffer.from(expected);
  return (given) => {
    const got = Buffer.from(given);
    return got.length === want.length && timingSafeEqual(got, want);
  };
}
