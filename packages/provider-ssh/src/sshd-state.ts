import { existsSync } from 'node:fs';
import { runTool } from '@endpointd/core';

/** What `sshd -T` says, where it is readable (usually root only). */
export interface SshdConfig {
  ports: number[];
  listenAddresses: string[];
  allowTcpForwarding: string;
  permitOpen: string;
}

/** Parses `sshd -T` ("key value" lines, keys lower-case). */
export function parseSshdT(stdout: string): SshdConfig {
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) values.set(m[1].toLowerCase(), [...(values.get(m[1].toLowerCase()) ?? []), m[2]]);
  }
  return {
    ports: (values.get('port') ?? ['22']).map(Number).filter((p) => Number.isInteger(p) && p > 0),
    listenAddresses: values.get('listenaddress') ?? [],
    allowTcpForwarding: values.get('allowtcpforwarding')?.[0] ?? 'yes',
    permitOpen: values.get('permitopen')?.[0] ?? 'any',
  };
}

/** The sshd binary: ENDPOINTD_SSHD_BIN, else the usual places (it is often not on a user's PATH). */
export function sshdBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ENDPOINTD_SSHD_BIN) return existsSync(env.ENDPOINTD_SSHD_BIN) ? env.ENDPOINTD_SSHD_BIN : null;
  return ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'].find((p) => existsSync(p)) ?? null;
}

/** Runs `sshd -T` (with ENDPOINTD_SSHD_CONFIG as -f when set); null when it cannot be read. */
export async function readSshdConfig(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<SshdConfig | null> {
  const args = ['-T', ...(env.ENDPOINTD_SSHD_CONFIG ? ['-f', env.ENDPOINTD_SSHD_CONFIG] : [])];
  const r = await runTool(bin, args, { timeoutMs: 3_000, env });
  return r.exitCode === 0 ? parseSshdT(r.stdout) : null;
}
