import { findExecutable } from './find-executable.js';
import { ownedCommand } from './owned-command.js';

/** What a one-shot tool call came to. Never throws: a missing tool is `missing`, a hung one `timedOut`. */
export interface ToolRun {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  missing: boolean;
  timedOut: boolean;
  canceled: boolean;
  durationMs: number;
}

export interface ToolRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * The one way to call an external tool once (`tailscale status`, `ssh -V`, `sshd -T`): an
 * argument array (never a shell), a timeout with SIGKILL after a grace, cancellation, and a
 * child that dies with the daemon even when the daemon is SIGKILLed (ownedCommand). A tool that
 * is not installed is reported without spawning anything, or loading the spawning library.
 */
export async function runTool(bin: string, args: readonly string[], options: ToolRunOptions): Promise<ToolRun> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const resolved = findExecutable(bin, env);
  if (resolved === null)
    return {
      stdout: '',
      stderr: '',
      exitCode: null,
      missing: true,
      timedOut: false,
      canceled: false,
      durationMs: performance.now() - started,
    };
  const { execa } = await import('execa');
  const [file, argv] = ownedCommand(resolved, args, env);
  const child = execa(file, argv, {
    reject: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 2_000,
    stdin: 'ignore',
    env,
    extendEnv: false,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (options.onStdout) child.stdout?.on('data', (c: Buffer) => options.onStdout?.(c.toString()));
  const r = await child;
  return {
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    exitCode: r.exitCode ?? null,
    missing: (r as { code?: string }).code === 'ENOENT',
    timedOut: r.timedOut === true,
    canceled: r.isCanceled === true,
    durationMs: performance.now() - started,
  };
}
