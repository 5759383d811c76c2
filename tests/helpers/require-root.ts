import { execFileSync } from 'node:child_process';

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Network-namespace tests need root and iproute2. In CI a missing requirement fails loudly;
 * on a developer's machine the suite is skipped with the reason printed.
 */
export function netnsUnavailableReason(extra: string[] = []): string | null {
  const missing = ['ip', 'openssl', ...extra].filter((c) => !hasCommand(c));
  const reason =
    process.getuid?.() !== 0
      ? 'these tests create network namespaces and must run as root'
      : missing.length
        ? `missing commands: ${missing.join(', ')}`
        : null;
  if (reason && process.env.CI) throw new Error(`CI=true but ${reason}: .ci/run must provide it`);
  if (reason) console.warn(`SKIPPED (not CI): ${reason}`);
  return reason;
}
