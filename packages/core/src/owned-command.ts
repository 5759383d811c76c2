import { findExecutable } from './find-executable.js';

let setpriv: string | null | undefined;

/**
 * The argv that runs `file` as a child that dies with this process, even when this process is
 * killed with SIGKILL: on Linux, util-linux's `setpriv --pdeathsig SIGKILL` sets the kernel's
 * parent-death signal and then execs the tool (same pid, same argv once running). Elsewhere (or
 * without setpriv) the command is unchanged, and pid files reaped at the next start clean up.
 */
export function ownedCommand(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): [string, string[]] {
  if (process.platform !== 'linux') return [file, [...args]];
  setpriv ??= findExecutable('setpriv', env);
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', file, ...args]] : [file, [...args]];
}
