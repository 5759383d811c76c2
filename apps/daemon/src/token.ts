import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '@endpointd/core';
import { writeFileAtomicSync } from './atomic-file.js';
import { HOME_FILES, readHomeFile } from './home.js';

const TOKEN_BYTES = 32;
const MIN_TOKEN_LENGTH = 16;

/** Reads the API token, creating it (mode 0600) on first start and tightening a loose mode; never through a link. */
export function ensureToken(home: string): string {
  const file = join(home, HOME_FILES.token);
  const existing = readHomeFile(file)?.trim();
  if (existing && existing.length >= MIN_TOKEN_LENGTH) {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
    registerSecret(existing);
    return existing;
  }
  if (existing !== undefined) unlinkSync(file); // too short to be ours: replaced
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  // O_EXCL|O_NOFOLLOW: a file or link planted meanwhile makes this fail instead of being followed.
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${token}\n`);
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  registerSecret(token);
  return token;
}

export { readToken } from './token-file.js';

/**
 * A checker for one token, for the request hot path: constant-time over the token's bytes, with
 * no hashing per request. Only the length can leak, and every token has the same length.
 */
export function createTokenChecker(expected: string): (given: string) => boolean {
  const want = Buffer.from(expected);
  // Encoded into one buffer, not a new one per request; a string of the token's length fits
  // (at most 3 UTF-8 bytes per UTF-16 unit), and one with other than one byte per unit differs.
  const scratch = Buffer.alloc(want.length * 3);
  const got = scratch.subarray(0, want.length);
  return (given) => given.length === expected.length && scratch.write(given) === want.length && timingSafeEqual(got, want);
}

/** The daemon's token, checked on the hot path, and replaced in place when rotated. */
export interface TokenHolder {
  check(given: string): boolean;
  /** Writes a new token to $ENDPOINTD_HOME/token (0600, atomically) and checks against it from now on. */
  rotate(): void;
}

export function createTokenHolder(home: string, initial: string): TokenHolder {
  let check = createTokenChecker(initial);
  return {
    check: (given) => check(given),
    rotate() {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      registerSecret(token);
      writeFileAtomicSync(join(home, HOME_FILES.token), `${token}\n`);
      check = createTokenChecker(token);
    },
  };
}
