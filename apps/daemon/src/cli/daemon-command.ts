import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from '@endpointd/core';
import { homePath, resolveHome } from '../home.js';
import { connect, lockedDaemonPid } from './daemon-session.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './usage-error.js';

export const DAEMON_HELP = `Usage: endpoints daemon start [endpointd options] | stop | status

  start    starts endpointd in the background and returns once it answers (or says why not);
           options go to endpointd, e.g. endpoints daemon start --backend app=3000
  stop     stops it (SIGTERM, waits until it has exited)
  status   says whether it runs, where, and its backends; exit 1 when it does not run

Its output goes to $ENDPOINTD_HOME/daemon.log.
`;

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_FILE = 'daemon.log';

/** The daemon bundle in apps/daemon/dist: beside this code, or one up when it is a lazily loaded chunk. */
const DAEMON_ENTRY =
  [new URL('./endpointd.js', import.meta.url), new URL('../endpointd.js', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p)) ?? fileURLToPath(new URL('../endpointd.js', import.meta.url));

async function running(): Promise<{ url: string; pid: number; version: string; backends: string[] } | null> {
  try {
    const client = await connect();
    const health = await client.health();
    const backends = (await client.backends()).map((b) => b.name);
    return { url: client.baseUrl, pid: health.pid, version: health.version, backends };
  } catch {
    return null;
  }
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function start(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const already = await running();
  if (already) {
    out.write(`endpointd is already running at ${already.url} (pid ${already.pid})\n`);
    return EXIT_OK;
  }
  const home = resolveHome(); // created 0700 as the daemon would, for its log
  const log = join(home, LOG_FILE);
  const fd = openSync(log, 'a', 0o600);
  const child = spawn(process.execPath, [DAEMON_ENTRY, ...args], { detached: true, stdio: ['ignore', fd, fd], env: process.env });
  closeSync(fd);
  let exit: number | null = null;
  child.once('exit', (code) => {
    exit = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit !== null) {
      process.stderr.write(`endpoints daemon start: endpointd exited (code ${exit}):\n${tail(log)}\n`);
      return exit === 2 ? 2 : EXIT_FAILED;
    }
    const now = await running();
    if (now && now.pid === child.pid) {
      out.write(`endpointd is running at ${now.url} (pid ${now.pid}); log: ${log}\n`);
      return EXIT_OK;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`endpoints daemon start: endpointd did not answer within ${START_TIMEOUT_MS / 1000} s; see ${log}\n`);
  return EXIT_FAILED;
}

async function stop(out: NodeJS.WriteStream): Promise<number> {
  const pid = (await running())?.pid ?? lockedDaemonPid(homePath());
  if (pid === null || pid === undefined) {
    out.write('endpointd is not running\n');
    return EXIT_OK;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      process.stderr.write(`endpoints daemon stop: endpointd (pid ${pid}) is still running after ${STOP_TIMEOUT_MS / 1000} s\n`);
      return EXIT_FAILED;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  out.write(`endpointd (pid ${pid}) stopped\n`);
  return EXIT_OK;
}

async function status(out: NodeJS.WriteStream): Promise<number> {
  const now = await running();
  if (!now) {
    out.write(`endpointd is not running (home: ${homePath()})\n`);
    return EXIT_FAILED;
  }
  out.write(`endpointd ${now.version} is running at ${now.url} (pid ${now.pid}); backends: ${now.backends.join(', ') || 'none yet'}\n`);
  return EXIT_OK;
}

/** `endpoints daemon start|stop|status`. */
export async function runDaemon(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    out.write(DAEMON_HELP);
    return action === undefined ? 2 : EXIT_OK;
  }
  if (action === 'start') return await start(rest, out);
  if (rest.length > 0) throw new UsageError(`${action} takes no options`, 'daemon');
  if (action === 'stop') return await stop(out);
  if (action === 'status') return await status(out);
  throw new UsageError(`unknown action "${action}": start, stop or status`, 'daemon');
}
