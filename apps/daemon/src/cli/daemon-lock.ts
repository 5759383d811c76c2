import { join } from 'node:path';
import { HOME_FILES, readHomeFile } from '../home.js';

/** The pid of a live daemon holding the home's lock, or null. */
export function lockedDaemonPid(home: string): number | null {
  const pid = Number(readHomeFile(join(home, HOME_FILES.lock))?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  // Signal 0 only asks whether it exists (EPERM: it does, as another user). Not core's
  // isProcessAlive: importing core here would load its schemas into `endpoints list`.
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
