import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendSnapshot, Exposure } from '@endpointd/core';
import { execa, type ResultPromise } from 'execa';
import { inNamespace, REPO_ROOT } from './processes.js';

export const DAEMON_BIN = `${REPO_ROOT}apps/daemon/dist/endpointd.js`;
const HTTP_DRIVER = `${REPO_ROOT}tests/fixtures/http-driver.mjs`;
const START_TIMEOUT_MS = 15_000;

export interface RunningDaemon {
  ns: string;
  home: string;
  url: string;
  token: string;
  process: ResultPromise;
  /** SIGTERM and wait; resolves the exit code. */
  stop(): Promise<number | undefined>;
  /** SIGKILL: a crash. */
  kill9(): Promise<void>;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'endpointd-home-'));
}

/** Starts the real daemon inside a namespace (loopback there is the test's own) on a free port. */
export async function startDaemon(
  ns: string,
  args: string[],
  options: { home?: string; env?: Record<string, string> } = {},
): Promise<RunningDaemon> {
  const home = options.home ?? tempHome();
  const addressFile = join(home, 'daemon.json');
  rmSync(addressFile, { force: true }); // left by a daemon killed with SIGKILL
  const [cmd, argv] = inNamespace(ns, process.execPath, [DAEMON_BIN, '--listen', '127.0.0.1:0', ...args]);
  // Tests never reach a real tailscale, cloudflared, ssh or sshd (which could talk to the internet
  // or to this machine's services): only the fakes and test servers a test puts in place.
  const env = options.env ?? {};
  const realToolsOff = {
    ...(env.FAKE_TAILSCALE_STATE ? {} : { ENDPOINTD_TAILSCALE_BIN: '/nonexistent/tailscale' }),
    ...(env.FAKE_CLOUDFLARED_STATE ? {} : { ENDPOINTD_CLOUDFLARED_BIN: '/nonexistent/cloudflared' }),
    ...(env.ENDPOINTD_SSH_BIN ? {} : { ENDPOINTD_SSH_BIN: '/nonexistent/ssh' }),
    ...(env.ENDPOINTD_SSHD_BIN ? {} : { ENDPOINTD_SSHD_BIN: '/nonexistent/sshd' }),
  };
  const child = execa(cmd, argv, {
    reject: false,
    env: { ENDPOINTD_HOME: home, NO_COLOR: '1', ...realToolsOff, ...env },
    forceKillAfterDelay: 5_000,
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  while (!existsSync(addressFile)) {
    if (exited) throw new Error(`endpointd exited at start: ${String((await child).stderr).slice(0, 2000)}`);
    if (Date.now() > deadline) throw new Error('endpointd did not start in time');
    await new Promise((r) => setTimeout(r, 50));
  }
  const { url } = JSON.parse(readFileSync(addressFile, 'utf8')) as { url: string };
  const token = readFileSync(join(home, 'token'), 'utf8').trim();
  return {
    ns,
    home,
    url,
    token,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      const result = await child;
      assertNoWarnings(String(result.stderr));
      return result.exitCode;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      assertNoWarnings(String((await child).stderr));
    },
  };
}

/** Node prints "(node:PID) XWarning: …" for a leaked listener or a deprecation: a defect, not noise. */
export function assertNoWarnings(stderr: string): void {
  const warning = /\(node:\d+\) \w*Warning: .*/.exec(stderr)?.[0];
  if (warning) throw new Error(`the daemon printed a process warning: ${warning}`);
}

export interface DriverRequest {
  method?: string;
  /** Path on the daemon, or a full URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send the daemon's token. @default true */
  auth?: boolean;
}

export interface DriverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = unknown>(): T;
}

/** Sends requests to the daemon from inside its namespace, in order, in one driver process. */
export async function request(daemon: RunningDaemon, requests: DriverRequest[]): Promise<DriverResponse[]> {
  const payload = requests.map((r) => ({
    method: r.method ?? 'GET',
    url: r.path.startsWith('http') ? r.path : `${daemon.url}${r.path}`,
    headers: {
      ...(r.auth === false ? {} : { authorization: `Bearer ${daemon.token}` }),
      ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...r.headers,
    },
    body: r.body,
  }));
  const [cmd, argv] = inNamespace(daemon.ns, process.execPath, [HTTP_DRIVER]);
  const { stdout } = await execa(cmd, argv, { input: JSON.stringify({ requests: payload }), timeout: 120_000 });
  return (JSON.parse(stdout) as Array<Omit<DriverResponse, 'json'>>).map((r) => ({ ...r, json: <T>() => JSON.parse(r.body) as T }));
}

export async function requestOne(daemon: RunningDaemon, r: DriverRequest): Promise<DriverResponse> {
  const [res] = await request(daemon, [r]);
  if (!res) throw new Error('no response');
  return res;
}

export interface EventLine {
  status?: number;
  event?: string;
  data?: unknown;
  at?: number;
}

/** Subscribes to /v1/events from inside the namespace; resolves events as they arrive. */
export function subscribe(daemon: RunningDaemon, query = '') {
  const [cmd, argv] = inNamespace(daemon.ns, process.execPath, [
    HTTP_DRIVER,
    '--sse',
    `${daemon.url}/v1/events${query}`,
    '--header',
    `authorization: Bearer ${daemon.token}`,
  ]);
  const child = execa(cmd, argv, { reject: false, buffer: false });
  const lines: EventLine[] = [];
  const waiters: Array<() => void> = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as EventLine);
    for (const w of waiters.splice(0)) w();
  });
  return {
    lines,
    /** Waits (bounded) for a line matching the predicate. */
    async waitFor(predicate: (line: EventLine) => boolean, timeoutMs: number): Promise<EventLine> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching event within ${timeoutMs} ms; got ${lines.map((l) => l.event ?? JSON.stringify(l)).join(', ')}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/**
 * The backend's exposure of `type` once `ok` holds, read from the event stream (the subscription's
 * snapshot, then `exposure` events): tests wait on events, not on polls.
 */
export async function waitForExposure(
  daemon: RunningDaemon,
  backend: string,
  type: string,
  ok: (x: Exposure) => boolean,
  timeoutMs = 20_000,
): Promise<Exposure> {
  const events = subscribe(daemon, `?backend=${backend}`);
  const match = (x: Exposure) => x.backend === backend && x.type === type && ok(x);
  try {
    const line = await events.waitFor(
      (l) =>
        (l.event === 'snapshot' && (l.data as BackendSnapshot).exposures.some(match)) ||
        (l.event === 'exposure' && match(l.data as Exposure)),
      timeoutMs,
    );
    const found = line.event === 'snapshot' ? (line.data as BackendSnapshot).exposures.find(match) : (line.data as Exposure);
    if (!found) throw new Error('unreachable: the line matched');
    return found;
  } finally {
    await events.close();
  }
}

/** Adds a backend through the API (as a GUI would) and checks it was accepted. */
export async function addBackend(daemon: RunningDaemon, name: string, port: number): Promise<void> {
  const added = await requestOne(daemon, { method: 'POST', path: '/v1/backends', body: JSON.stringify({ name, port }) });
  if (added.status !== 201) throw new Error(`adding backend ${name}: HTTP ${added.status} ${JSON.stringify(added.json())}`);
}
