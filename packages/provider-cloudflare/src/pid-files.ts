import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SUFFIX = '.cloudflared.pid';

function isCloudflared(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Linux: never kill a process that merely reused the pid.
    return /cloudflared/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

/** Records a supervised cloudflared, so a daemon that crashes leaves a trace to clean up. */
export function writePidFile(runDir: string, name: string, pid: number): string {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const file = join(runDir, `${name}${SUFFIX}`);
  writeFileSync(file, String(pid), { mode: 0o600 });
  return file;
}

/** Kills cloudflared processes a previous daemon left behind (it was killed or crashed). */
export function reapOrphans(runDir: string): number[] {
  let files: string[];
  try {
    files = readdirSync(runDir).filter((f) => f.endsWith(SUFFIX));
  } catch {
    return [];
  }
  const reaped: number[] = [];
  for (const f of files) {
    const pid = Number(readFileSync(join(runDir, f), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isCloudflared(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
        reaped.push(pid);
      } catch {
        // gone in the meantime
      }
    }
    rmSync(join(runDir, f), { force: true });
  }
  return reaped;
}
