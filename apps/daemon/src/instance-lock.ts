import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@endpointd/core';
import { HOME_FILES, readHomeFile } from './home.js';

/** A second daemon on the same home: it must exit with a clear message, not fight over state. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(
    readonly pid: number,
    readonly home: string,
  ) {
    super(`another endpointd (pid ${pid}) is already running with ENDPOINTD_HOME=${home}`);
  }
}

/**
 * Takes the home's lock file (O_EXCL, holding our pid). A lock left by a dead process (a crash,
 * kill -9) is taken over. Returns the release function.
 */
export function acquireInstanceLock(home: string): () => void {
  const file = join(home, HOME_FILES.lock);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readHomeFile(file)?.trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readHomeFile(file)?.trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) throw new AlreadyRunningError(pid, home);
      unlinkSync(file);
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
