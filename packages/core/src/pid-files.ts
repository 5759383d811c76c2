import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

const SUFFIX = '.pid';

interface PidRecord {
  pid: number;
  /** The executable's base name, checked against the live process before it is killed. */
  command: string;
  /** Kernel start time (clock ticks, /proc/PID/stat field 22): a reused pid never matches. */
  startTime: string | null;
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is a live process: one that exists (or belongs to another user) and is not a
 * zombie (a killed orphan may stay one for a while under some init processes: it is dead).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Whether the live process `pid` is still the one the record describes. */
function isSameProcess(record: PidRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
  } catch {
    return process.platform !== 'linux'; // no /proc: the pid check is all there is
  }
  if (!cmdline.split('\0').some((arg) => basename(arg) === record.command)) return false;
  return record.startTime === null || startTimeOf(record.pid) === record.startTime;
}

/** Records a supervised child, so a daemon that dies leaves a trace to clean up; returns the file. */
export function writePidFile(runDir: string, name: string, pid: number, command: string): string {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const file = join(runDir, `${name}${SUFFIX}`);
  const record: PidRecord = { pid, command: basename(command), startTime: startTimeOf(pid) };
  // Never through a link: the run folder lives in the (checked) home.
  rmSync(file, { force: true });
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, JSON.stringify(record));
  } finally {
    closeSync(fd);
  }
  return file;
}

function readRecord(file: string): PidRecord | null {
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = readFileSync(fd, 'utf8').trim();
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) {
    // Written by an older endpointd: only cloudflared had pid files then.
    return { pid: Number(text), command: 'cloudflared', startTime: null };
  }
  try {
    const r = JSON.parse(text) as PidRecord;
    return Number.isInteger(r.pid) && r.pid > 0 && typeof r.command === 'string' ? { ...r, startTime: r.startTime ?? null } : null;
  } catch {
    return null;
  }
}

/**
 * Kills the children a previous daemon left behind (killed with SIGKILL, crashed) and removes
 * their pid files. Only a process that is still the recorded one is killed.
 */
export function reapOrphans(runDir: string): number[] {
  let files: string[];
  try {
    files = readdirSync(runDir).filter((f) => f.endsWith(SUFFIX));
  } catch {
    return [];
  }
  const reaped: number[] = [];
  for (const f of files) {
    const record = readRecord(join(runDir, f));
    if (record && record.pid !== process.pid && isSameProcess(record)) {
      try {
        process.kill(record.pid, 'SIGKILL');
        reaped.push(record.pid);
      } catch {
        // gone in the meantime
      }
    }
    rmSync(join(runDir, f), { force: true });
  }
  return reaped;
}
