import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { backoffDelay, delay } from './delay.js';
import { findExecutable } from './find-executable.js';
import { createLineTail } from './line-tail.js';
import { ownedCommand } from './owned-command.js';
import { writePidFile } from './pid-files.js';
import type { Reason } from './schema/reason.js';
import { redactSecrets } from './secrets.js';

/** Time, injectable so tests can drive backoff and deadlines without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: delay };

/** How a child ended: `missing` when the executable was not found (nothing was spawned). */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  missing: boolean;
}

/** What the supervised tool's callbacks see of a running child. */
export interface SupervisedChild {
  readonly pid: number | undefined;
  /** The last lines of its output (stdout and stderr), redacted. */
  readonly lines: readonly string[];
  readonly exited: boolean;
  /** Resolves when it has exited (never rejects). */
  readonly exit: Promise<ChildExit>;
  /** Called with every complete output line (before the tail's filter), until it exits. */
  onLine(listener: (line: string) => void): void;
}

/** A failure, in the tool's own reason vocabulary. */
export interface SupervisedFailure {
  reason: Reason;
  error: string;
  /** Retrying cannot help (tool missing, credentials refused): supervision ends. */
  permanent?: boolean;
}

export type ReadyOutcome<T> = { ok: true; value: T } | ({ ok: false } & SupervisedFailure);

/** Why `supervise` returned. */
export type SupervisorStop = { by: 'signal' } | ({ by: 'permanent-failure' } & SupervisedFailure);

export interface SuperviseOptions<T> {
  /** Pid file name (one per exposure). */
  name: string;
  /** The executable (a name on PATH or a path). */
  command: string;
  /** The arguments of one attempt; may write files or pick ports first. */
  prepare(): string[] | Promise<string[]>;
  env?: NodeJS.ProcessEnv;
  /** Aborting it stops the child (SIGTERM, then SIGKILL after stopGraceMs) and ends supervision. */
  signal: AbortSignal;
  /** Where pid files go; reaped at the next daemon start (`reapOrphans`). */
  runDir: string;
  tail?: { max?: number; keep?: (line: string) => boolean; transform?: (line: string) => string };
  /** Ready must come within this (ms), or the attempt fails as `start-timed-out`. */
  startTimeoutMs: number;
  stopGraceMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  clock?: Clock;
  random?: () => number;
  /** Resolves once the child is ready (with what it reports), or with why it is not. */
  ready(child: SupervisedChild, signal: AbortSignal): Promise<ReadyOutcome<T>>;
  /** While up: resolves when the child should count as down although it runs (a failed health check). */
  watch?(child: SupervisedChild, value: T, signal: AbortSignal): Promise<SupervisedFailure>;
  /** Why the child exited (before ready or while up), from its exit and last lines. */
  classifyExit(exit: ChildExit, lines: readonly string[]): SupervisedFailure;
  onUp?(value: T): void;
  /** After each failure: `restartInMs` is null when supervision ends (permanent). */
  onDown?(failure: SupervisedFailure & { phase: 'start' | 'run'; restartInMs: number | null; lines: readonly string[] }): void;
}

const DEFAULT_TAIL_LINES = 20;

function spawnChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv | undefined,
  tailOptions: SuperviseOptions<unknown>['tail'],
): { child: ChildProcess | null; handle: SupervisedChild } {
  const transform = (line: string) => redactSecrets(tailOptions?.transform ? tailOptions.transform(line) : line);
  const tail = createLineTail(tailOptions?.max ?? DEFAULT_TAIL_LINES, {
    ...(tailOptions?.keep ? { keep: tailOptions.keep } : {}),
    transform,
  });
  const listeners = new Set<(line: string) => void>();
  let exited = false;
  const resolved = findExecutable(command, env ?? process.env);
  if (!resolved) {
    const exit = Promise.resolve<ChildExit>({ code: null, signal: null, missing: true });
    exited = true;
    return {
      child: null,
      handle: { pid: undefined, lines: tail.lines, exited, exit, onLine: () => undefined },
    };
  }
  const [file, argv] = ownedCommand(resolved, args, env ?? process.env);
  const child = spawn(file, argv, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const handle = {
    pid: child.pid,
    lines: tail.lines,
    get exited() {
      return exited;
    },
    exit: new Promise<ChildExit>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        exited = true;
        resolve({ code: null, signal: null, missing: err.code === 'ENOENT' });
      });
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal, missing: false });
      });
    }),
    onLine: (l: (line: string) => void) => listeners.add(l),
  };
  let rest = '';
  const feed = (chunk: Buffer) => {
    const text = chunk.toString();
    tail.push(text);
    rest += text;
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) for (const l of listeners) l(line.trim());
  };
  child.stdout?.on('data', feed);
  child.stderr?.on('data', feed);
  return { child, handle };
}

async function stopChild(child: ChildProcess | null, handle: SupervisedChild, graceMs: number, clock: Clock): Promise<void> {
  if (!child || handle.exited) {
    await handle.exit;
    return;
  }
  child.kill('SIGTERM');
  const grace = new AbortController();
  const killed = clock.sleep(graceMs, grace.signal).then(() => {
    if (!handle.exited) child.kill('SIGKILL');
  });
  await handle.exit;
  grace.abort();
  await killed;
}

/** Resolves when `signal` aborts; used with the per-attempt signal, whose listeners go with it. */
function aborted(signal: AbortSignal): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

/**
 * Runs a long-lived child tool until `signal` aborts: spawns it (as a child that dies with the
 * daemon), records its pid file, keeps a redacted tail of its output, waits for it to be ready
 * within a deadline, watches it while up, and restarts it with exponential backoff and jitter
 * after each failure, until a permanent failure or the signal. Always stops the child (SIGTERM,
 * then SIGKILL) and removes its pid file before returning.
 */
export async function supervise<T>(options: SuperviseOptions<T>): Promise<SupervisorStop> {
  const clock = options.clock ?? systemClock;
  const { signal } = options;
  let failures = 0;

  const fail = async (failure: SupervisedFailure, phase: 'start' | 'run', lines: readonly string[]): Promise<SupervisorStop | null> => {
    failures++;
    if (failure.permanent) {
      options.onDown?.({ ...failure, phase, restartInMs: null, lines });
      return { by: 'permanent-failure', ...failure };
    }
    const wait = backoffDelay(failures - 1, options.backoffInitialMs, options.backoffMaxMs, options.random);
    options.onDown?.({ ...failure, phase, restartInMs: wait, lines });
    await clock.sleep(wait, signal);
    return null;
  };

  while (!signal.aborted) {
    const args = await options.prepare();
    if (signal.aborted) break;
    const { child, handle } = spawnChild(options.command, args, options.env, options.tail);
    const pidFile = child?.pid ? writePidFile(options.runDir, options.name, child.pid, options.command) : null;
    const attempt = new AbortController();
    const onAbort = () => attempt.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = async () => {
      attempt.abort();
      signal.removeEventListener('abort', onAbort);
      await stopChild(child, handle, options.stopGraceMs, clock);
      if (pidFile) rmSync(pidFile, { force: true });
    };

    // Starting: ready, exited, timed out, or stopped — whichever comes first.
    const deadline = clock.sleep(options.startTimeoutMs, attempt.signal).then(() => 'timeout' as const);
    // Nothing was spawned (the tool is missing): that is the outcome, whatever else is pending.
    const first =
      child === null
        ? ('exited' as const)
        : await Promise.race([
            options.ready(handle, attempt.signal).catch(
              (err: unknown): ReadyOutcome<T> => ({
                ok: false,
                reason: 'tool-failed',
                error: err instanceof Error ? err.message : String(err),
              }),
            ),
            handle.exit.then(() => 'exited' as const),
            deadline,
            aborted(attempt.signal),
          ]);
    if (first === 'aborted' || (signal.aborted && first !== 'exited')) {
      await cleanup();
      break;
    }
    if (first === 'exited' || first === 'timeout' || !first.ok) {
      const failure: SupervisedFailure =
        first === 'exited'
          ? options.classifyExit(await handle.exit, handle.lines)
          : first === 'timeout'
            ? { reason: 'start-timed-out', error: `not ready within ${options.startTimeoutMs / 1000} s` }
            : { reason: first.reason, error: first.error, ...(first.permanent ? { permanent: true } : {}) };
      await cleanup();
      const stop = await fail({ ...failure, error: redactSecrets(failure.error) }, 'start', [...handle.lines]);
      if (stop) return stop;
      continue;
    }

    failures = 0;
    options.onUp?.(first.value);
    // Up: until it exits, its watch says it is down, or supervision stops.
    const down = await Promise.race([
      handle.exit.then(async () => options.classifyExit(await handle.exit, handle.lines)),
      options.watch?.(handle, first.value, attempt.signal) ?? new Promise<never>(() => undefined),
      aborted(attempt.signal),
    ]);
    await cleanup();
    if (down === 'aborted' || signal.aborted) break;
    const stop = await fail({ ...down, error: redactSecrets(down.error) }, 'run', [...handle.lines]);
    if (stop) return stop;
  }
  return { by: 'signal' };
}
