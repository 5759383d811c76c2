import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ENDPOINTS_BIN = `${REPO_ROOT}apps/daemon/dist/endpoints.js`;
export const BACKEND_FIXTURE = `${REPO_ROOT}tests/fixtures/backend.mjs`;
const READY_TIMEOUT_MS = 10_000;

/** Argv prefix that runs a command inside a namespace (or directly when ns is null). */
export function inNamespace(ns: string | null, cmd: string, args: string[]): [string, string[]] {
  return ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, args];
}

export interface RunningBackend {
  port: number;
  process: ResultPromise;
  stop(): Promise<void>;
}

/** Starts the fixture backend and waits for its "ready <port>" line. */
export async function startBackend(ns: string | null, args: string[]): Promise<RunningBackend> {
  const [cmd, argv] = inNamespace(ns, process.execPath, [BACKEND_FIXTURE, ...args]);
  const child = execa(cmd, argv, { reject: false, forceKillAfterDelay: 2_000 });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend ${args.join(' ')} not ready in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /ready (\d+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`backend exited early (${r.exitCode}): ${String(r.stderr).slice(0, 500)}`));
    });
  });
  return {
    port,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** Runs the built `endpoints` CLI, optionally inside a namespace. */
export async function runEndpoints(ns: string | null, args: string[], env: Record<string, string> = {}) {
  const [cmd, argv] = inNamespace(ns, process.execPath, [ENDPOINTS_BIN, ...args]);
  // The one-shot CLI may ask tailscale: never a real one in tests.
  const realToolsOff = {
    ...(env.FAKE_TAILSCALE_STATE ? {} : { ENDPOINTD_TAILSCALE_BIN: '/nonexistent/tailscale' }),
    ...(env.ENDPOINTD_SSHD_BIN ? {} : { ENDPOINTD_SSHD_BIN: '/nonexistent/sshd' }),
  };
  return await execa(cmd, argv, { reject: false, env: { NO_COLOR: '1', ...realToolsOff, ...env }, timeout: 30_000 });
}

/** Starts backends for one test file and stops them all at the end. */
export function backendPool(): { start(ns: string | null, args: string[]): Promise<RunningBackend>; stopAll(): Promise<void> } {
  const running: RunningBackend[] = [];
  return {
    async start(ns, args) {
      const b = await startBackend(ns, args);
      running.push(b);
      return b;
    },
    stopAll: async () => {
      await Promise.all(running.splice(0).map((b) => b.stop()));
    },
  };
}

/**
 * Starts a program in a namespace and waits (bounded) for its stdout to match `ready`; fails at
 * once if it exits first. The child comes back inside an object (an execa promise returned from
 * an async function would be awaited, i.e. until the program exits).
 */
export async function startUntil(
  ns: string | null,
  argv: string[],
  ready: RegExp,
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ child: ResultPromise; match: RegExpExecArray }> {
  const [cmd, args] = inNamespace(ns, argv[0] as string, argv.slice(1));
  const child = execa(cmd, args, {
    reject: false,
    buffer: false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { NO_COLOR: '1', ...options.env },
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start: ${out}`)), options.timeoutMs ?? 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited ${r.exitCode}: ${String(r.stderr ?? '')}`));
    });
  });
  return { child, match };
}
