import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// O_EXCL|O_NOFOLLOW on a fresh temp name, then rename: the rename replaces a link planted at the
// destination instead of writing through it (write-file-atomic resolves links and writes to the
// target, which is exactly what a hijacked home must not get).
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const tempName = (file: string) => join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Writes a file atomically (temp file, fsync, rename), never through a symbolic link. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const temp = tempName(file);
  try {
    const handle = await open(temp, CREATE, mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The synchronous form, for start-up and shutdown paths. */
export function writeFileAtomicSync(file: string, text: string, mode = 0o600): void {
  const temp = tempName(file);
  try {
    const fd = openSync(temp, CREATE, mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
