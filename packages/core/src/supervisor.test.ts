import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, reapOrphans, writePidFile } from './pid-files.js';
import { clearSecrets, registerSecret } from './secrets.js';
import { type Clock, type SupervisedChild, type SuperviseOptions, supervise } from './supervisor.js';

const START_TIMEOUT = 60_000;
const GRACE = 5_000;

/** A clock whose sleeps resolve at once when `instant(ms)` says so, else only when aborted. */
function fakeClock(instant: (ms: number) => boolean): { clock: Clock; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: {
      now: () => 0,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        if (instant(ms) || signal.aborted) return Promise.resolve();
        return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
      },
    },
  };
}

const waitForLine = (child: SupervisedChild, text: string, signal: AbortSignal) =>
  new Promise<{ ok: true; value: number }>((resolve) => {
    if (child.lines.includes(text)) return resolve({ ok: true, value: child.pid ?? 0 });
    child.onLine((line) => {
      if (line === text) resolve({ ok: true, value: child.pid ?? 0 });
    });
    signal.addEventListener('abort', () => undefined, { once: true });
  });

const LONG_RUNNING = "console.log('ready'); setInterval(() => {}, 1000)";

function base(runDir: string, clock: Clock, extra: Partial<SuperviseOptions<number>>): SuperviseOptions<number> {
  return {
    name: 'test-child',
    command: process.execPath,
    prepare: () => ['-e', LONG_RUNNING],
    signal: new AbortController().signal,
    runDir,
    startTimeoutMs: START_TIMEOUT,
    stopGraceMs: GRACE,
    backoffInitialMs: 1_000,
    backoffMaxMs: 60_000,
    clock,
    random: () => 0.5,
    ready: (child, signal) => waitForLine(child, 'ready', signal),
    classifyExit: (exit) => ({
      reason: exit.missing ? 'not-installed' : 'exited-early',
      error: `exit ${exit.code}`,
      permanent: exit.missing,
    }),
    ...extra,
  };
}

const runDir = () => mkdtempSync(join(tmpdir(), 'endpointd-sup-'));

describe('supervise (issue 9.3)', () => {
  afterEach(clearSecrets);

  it('restarts a crashing child with doubling backoff, then reports it up and resets the count', async () => {
    const { clock, sleeps } = fakeClock((ms) => ms !== START_TIMEOUT && ms !== GRACE);
    const controller = new AbortController();
    let attempt = 0;
    const downs: Array<{ reason: string; restartInMs: number | null }> = [];
    const up = new Promise<number>((resolveUp) => {
      void supervise(
        base(runDir(), clock, {
          signal: controller.signal,
          prepare: () => (++attempt <= 3 ? ['-e', 'process.exit(3)'] : ['-e', LONG_RUNNING]),
          onDown: (d) => downs.push({ reason: d.reason, restartInMs: d.restartInMs }),
          onUp: resolveUp,
        }),
      );
    });
    const pid = await up;
    expect(downs).toEqual([
      { reason: 'exited-early', restartInMs: 1_000 },
      { reason: 'exited-early', restartInMs: 2_000 },
      { reason: 'exited-early', restartInMs: 4_000 },
    ]);
    expect(sleeps.filter((ms) => ms !== START_TIMEOUT)).toEqual([1_000, 2_000, 4_000]);
    expect(isProcessAlive(pid)).toBe(true);
    controller.abort();
    await expect.poll(() => isProcessAlive(pid)).toBe(false);
  });

  it('fails an attempt that is not ready by its deadline, kills that child, and retries', async () => {
    let timeouts = 0;
    const { clock } = fakeClock((ms) => (ms === START_TIMEOUT ? ++timeouts === 1 : ms !== GRACE));
    const controller = new AbortController();
    const pids: number[] = [];
    const down = new Promise<string>((resolveDown) => {
      void supervise(
        base(runDir(), clock, {
          signal: controller.signal,
          prepare: () => ['-e', 'setInterval(() => {}, 1000)'], // never says ready
          ready: (child, signal) => {
            if (child.pid) pids.push(child.pid);
            return new Promise((r) =>
              signal.addEventListener('abort', () => r({ ok: false, reason: 'tool-failed', error: 'x' }), { once: true }),
            );
          },
          onDown: (d) => resolveDown(d.reason),
        }),
      );
    });
    expect(await down).toBe('start-timed-out');
    expect(isProcessAlive(pids[0] as number)).toBe(false);
    controller.abort();
  });

  it('escalates to SIGKILL when the child ignores SIGTERM, and removes its pid file', async () => {
    const { clock } = fakeClock((ms) => ms === GRACE);
    const dir = runDir();
    const controller = new AbortController();
    let pid = 0;
    const stopped = supervise(
      base(dir, clock, {
        signal: controller.signal,
        prepare: () => ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
        onUp: (p) => {
          pid = p;
          expect(readdirSync(dir)).toEqual(['test-child.pid']);
          controller.abort();
        },
      }),
    );
    expect(await stopped).toEqual({ by: 'signal' });
    expect(isProcessAlive(pid)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ends with a permanent failure when the tool is missing, spawning nothing', async () => {
    const { clock, sleeps } = fakeClock(() => true);
    const result = await supervise(base(runDir(), clock, { command: '/nonexistent/tool' }));
    expect(result).toMatchObject({ by: 'permanent-failure', reason: 'not-installed' });
    expect(sleeps.filter((ms) => ms !== START_TIMEOUT)).toEqual([]);
  });

  it('watches a running child and restarts it when its watch says it is down', async () => {
    const { clock } = fakeClock((ms) => ms !== START_TIMEOUT && ms !== GRACE);
    const controller = new AbortController();
    let ups = 0;
    const pids: number[] = [];
    const secondUp = new Promise<void>((resolveUp) => {
      void supervise(
        base(runDir(), clock, {
          signal: controller.signal,
          watch: async () =>
            ups === 1 ? { reason: 'tunnel-disconnected' as const, error: 'no connections' } : new Promise<never>(() => undefined),
          onUp: (pid) => {
            pids.push(pid);
            if (++ups === 2) resolveUp();
          },
        }),
      );
    });
    await secondUp;
    expect(isProcessAlive(pids[0] as number)).toBe(false);
    expect(isProcessAlive(pids[1] as number)).toBe(true);
    controller.abort();
    await expect.poll(() => isProcessAlive(pids[1] as number)).toBe(false);
  });

  it('redacts registered secrets from the output tail', async () => {
    registerSecret('super-secret-token-value');
    const { clock } = fakeClock((ms) => ms !== START_TIMEOUT && ms !== GRACE);
    const controller = new AbortController();
    let lines: readonly string[] = [];
    await supervise(
      base(runDir(), clock, {
        signal: controller.signal,
        prepare: () => ['-e', "console.error('using super-secret-token-value'); console.log('ready'); setInterval(() => {}, 1000)"],
        ready: async (child, signal) => {
          const r = await waitForLine(child, 'ready', signal);
          lines = child.lines;
          return r;
        },
        onUp: () => controller.abort(),
      }),
    );
    expect(lines.join('\n')).toContain('using [redacted]');
    expect(lines.join('\n')).not.toContain('super-secret-token-value');
  });
});

describe('pid files (issue 9.3)', () => {
  it('reaps a recorded child left behind, but never a process that only reuses a recorded pid', async () => {
    const { spawn } = await import('node:child_process');
    const dir = runDir();
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writePidFile(dir, 'orphan', orphan.pid as number, process.execPath);
    // Same pid, another start time: what a reused pid looks like.
    writeFileSync(join(dir, 'reused.pid'), JSON.stringify({ pid: bystander.pid, command: 'node', startTime: '1' }));
    expect(reapOrphans(dir)).toEqual([orphan.pid]);
    await expect.poll(() => isProcessAlive(orphan.pid as number)).toBe(false);
    expect(isProcessAlive(bystander.pid as number)).toBe(true);
    expect(existsSync(join(dir, 'orphan.pid'))).toBe(false);
    bystander.kill('SIGKILL');
  });
});
