import { existsSync } from 'node:fs';
import {
  type ChildExit,
  createSharedRead,
  createVersionRead,
  type Reason,
  runTool,
  type SupervisedFailure,
  type ToolFacts,
  toolBinary,
  toolHint,
} from '@endpointd/core';
import { formatDestination, type SshDestination } from './destination.js';
import { classifySshStderr } from './ssh-stderr.js';
import { parseSshdT, type SshdConfig } from './sshd-state.js';

/** The adapter for OpenSSH's `ssh` and `sshd`: the only module that builds their argv, runs them and reads their errors. */
export const SSH: ToolFacts = Object.freeze({
  tool: 'The ssh client',
  binEnv: 'ENDPOINTD_SSH_BIN',
  defaultBin: 'ssh',
  installFrom: 'OpenSSH, e.g. the openssh-client package',
  check: '`ssh -V`',
});

/** Reasons retrying cannot fix: the exposure stays failed until the user enables it again. */
const PERMANENT: ReadonlySet<Reason> = new Set(['not-installed', 'auth-failed', 'host-key-mismatch']);

/** A reason's hint in OpenSSH's words. */
export function sshHint(reason: Reason, detail = '', vars: Readonly<Record<string, string | number>> = {}): string {
  return toolHint(SSH, reason, { detail, peer: 'the SSH server', address: 'the SSH server', port: 22, timeoutMs: 10_000, ...vars });
}

/** The sshd binary: ENDPOINTD_SSHD_BIN, else the usual places (it is often not on a user's PATH). */
export function sshdBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ENDPOINTD_SSHD_BIN) return existsSync(env.ENDPOINTD_SSHD_BIN) ? env.ENDPOINTD_SSHD_BIN : null;
  return ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'].find((p) => existsSync(p)) ?? null;
}

/** Runs `sshd -T` (with ENDPOINTD_SSHD_CONFIG as -f when set); null when it cannot be read (usually root only). */
export async function readSshdConfig(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<SshdConfig | null> {
  const args = ['-T', ...(env.ENDPOINTD_SSHD_CONFIG ? ['-f', env.ENDPOINTD_SSHD_CONFIG] : [])];
  const r = await runTool(bin, args, { timeoutMs: 3_000, env });
  return r.exitCode === 0 ? parseSshdT(r.stdout) : null;
}

/** One `ssh -R` forward: the server's port `remotePort` on all its addresses to the backend on loopback. */
export interface ReverseForward {
  destination: SshDestination;
  remotePort: number;
  backendPort: number;
  aliveIntervalS: number;
  aliveCountMax: number;
}

export interface SshOptions {
  /** @default ENDPOINTD_SSH_BIN in env, else "ssh" on PATH */
  bin?: string;
  /** The environment ssh runs with and the binaries are looked up in. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** `sshd -T` is asked at most this often (ms). */
  sshdTtlMs: number;
}

export interface Ssh {
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
  /** `ssh -V` (OpenSSH_9.6p1 …), asked once; a missing client is asked again next time. */
  readVersion(): Promise<string | null>;
  /** Whether an sshd binary is installed here. */
  sshdInstalled(): boolean;
  /** `sshd -T`, cached and shared; null when sshd is missing or its config unreadable. */
  readSshdConfig(fresh?: boolean): Promise<SshdConfig | null>;
  /** The argv of a supervised `ssh -R`: batch mode (never a prompt), and "--" before the destination, so nothing a user typed is an option. */
  reverseForwardArgs(forward: ReverseForward): string[];
  /** The line `ssh -v` prints once the server accepted the forward. */
  isForwardConfirmed(line: string): boolean;
  /** Why an exited ssh stopped, from its last lines. */
  classifyExit(exit: ChildExit, lines: readonly string[]): SupervisedFailure;
}

const FORWARD_OK = /remote forward success for: listen/i;

export function createSsh(options: SshOptions): Ssh {
  const env = options.env ?? process.env;
  const bin = options.bin ?? toolBinary(SSH, env);
  const readVersion = createVersionRead(bin, ['-V'], /OpenSSH_[\w.]+/, { env, timeoutMs: 3_000 });
  const sshd = createSharedRead(
    async () => {
      const b = sshdBinary(env);
      return b ? await readSshdConfig(b, env) : null;
    },
    { ttlMs: options.sshdTtlMs },
  );
  return Object.freeze({
    bin,
    env,
    readVersion,
    sshdInstalled: () => sshdBinary(env) !== null,
    readSshdConfig: (fresh = false) => sshd.read(fresh),
    reverseForwardArgs(f: ReverseForward) {
      return [
        '-v',
        '-N',
        '-o',
        'BatchMode=yes',
        '-o',
        'ExitOnForwardFailure=yes',
        '-o',
        `ServerAliveInterval=${f.aliveIntervalS}`,
        '-o',
        `ServerAliveCountMax=${f.aliveCountMax}`,
        '-o',
        'ConnectTimeout=10',
        '-R',
        `0.0.0.0:${f.remotePort}:127.0.0.1:${f.backendPort}`,
        '--',
        formatDestination(f.destination),
      ];
    },
    isForwardConfirmed: (line: string) => FORWARD_OK.test(line),
    classifyExit(exit: ChildExit, lines: readonly string[]): SupervisedFailure {
      if (exit.missing) return { reason: 'not-installed', error: `${bin} was not found`, permanent: true };
      const reason = classifySshStderr(lines.join('\n'));
      return { reason, error: lines.at(-1) ?? reason, permanent: PERMANENT.has(reason) };
    },
  });
}
