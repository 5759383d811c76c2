import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';

/** Files endpointd keeps in its home folder. */
export const HOME_FILES = Object.freeze({
  token: 'token',
  state: 'state.json',
  lock: 'daemon.lock',
  /** Where the running daemon says it listens, so the CLI finds a non-default port. */
  address: 'daemon.json',
  /** Pid files of the processes the daemon supervises, reaped at the next start after a crash. */
  run: 'run',
  /** Console sessions (hashes of their secrets), so the console stays logged in across restarts. */
  sessions: 'sessions.json',
});

/** A home folder endpointd must not trust: the daemon refuses to start (exit 1) with this message. */
export class UnsafeHomeError extends Error {
  override readonly name = 'UnsafeHomeError';
}

/** $ENDPOINTD_HOME, else the platform's config folder for endpointd (created 0700). */
export function homePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ENDPOINTD_HOME || envPaths('endpointd', { suffix: '' }).config;
}

/** Creates the home (0700) if needed and checks it can be trusted; returns its path. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = homePath(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  checkHome(home);
  return home;
}

/**
 * The home holds the token and decides what the daemon runs: another user, or anyone who can
 * write to it, could plant a token or a state file. It must be a real folder (not a link) owned
 * by this user and writable by nobody else, and none of its files may be a symbolic link.
 */
export function checkHome(home: string): void {
  const st = lstatSync(home);
  if (st.isSymbolicLink())
    throw new UnsafeHomeError(
      `${home} is a symbolic link; endpointd does not follow links for its home: set ENDPOINTD_HOME to a real folder`,
    );
  if (!st.isDirectory()) throw new UnsafeHomeError(`${home} is not a folder: set ENDPOINTD_HOME to a folder of your own`);
  const uid = process.getuid?.();
  if (uid !== undefined) {
    if (st.uid !== uid)
      throw new UnsafeHomeError(
        `${home} belongs to another user (uid ${st.uid}): use a folder of your own (ENDPOINTD_HOME), created by endpointd`,
      );
    if ((st.mode & 0o022) !== 0)
      throw new UnsafeHomeError(
        `${home} is writable by ${st.mode & 0o002 ? 'every user' : 'its group'}, so its token and state cannot be trusted: run \`chmod 700 ${home}\` after checking its files`,
      );
    if ((st.mode & 0o077) !== 0) chmodSync(home, 0o700); // readable by others: tighten, nothing could be planted
  }
  for (const name of Object.values(HOME_FILES)) {
    let file: ReturnType<typeof lstatSync> | undefined;
    try {
      file = lstatSync(join(home, name));
    } catch {
      continue;
    }
    if (file.isSymbolicLink())
      throw new UnsafeHomeError(
        `${join(home, name)} is a symbolic link; endpointd never follows links in its home: remove it and start again`,
      );
  }
}

/** Reads a file of the home without following a symbolic link; null when it does not exist. */
export function readHomeFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new UnsafeHomeError(`${file} is a symbolic link; endpointd never follows links in its home: remove it`);
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UnsafeHomeError(`${file} is not a regular file: remove it`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
