import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, type Provider } from '@endpointd/core';
import type { EventEmitter } from 'eventemitter3';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.js';
import type { StaticBackend } from '../backend-book.js';
import { createDaemon, type Daemon, type DaemonOptions } from '../daemon.js';
import type { DaemonEvents } from '../daemon-events.js';
import { ensureToken } from '../token.js';

/** The daemon and its API in this process (no root, no network namespace): for route and logic tests. */
export interface InProcessDaemon {
  home: string;
  daemon: Daemon;
  app: FastifyInstance;
  token: string;
  /** Sends a request as a local client would (right Host, the token), through fastify's inject. */
  call(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Listens on 127.0.0.1 (a free port) for tests that need a real socket (event streams); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export const TEST_PORT = 4737;

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'endpointd-inproc-'));
}

export async function startInProcess(
  options: {
    home?: string;
    backends?: StaticBackend[];
    providers?: Provider[];
    consoleDir?: string | null;
    allowedOrigins?: string[];
  } & Partial<DaemonOptions> = {},
): Promise<InProcessDaemon> {
  const home = options.home ?? tempHome();
  const token = ensureToken(home);
  const daemon = await createDaemon({
    ...options,
    home,
    backends: options.backends ?? [],
    providers: options.providers ?? [],
    interfacePollMs: options.interfacePollMs ?? 60_000,
    discovery: options.discovery ?? false,
  });
  let port = TEST_PORT;
  const app = await buildApp({
    daemon,
    token,
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    get port() {
      return port;
    },
  });
  await app.ready();
  return {
    home,
    daemon,
    app,
    token,
    call: (method, url, body, headers = {}) =>
      app.inject({
        method,
        url,
        headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}`, ...headers },
        ...(body !== undefined ? { payload: body as object } : {}),
      }),
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      port = typeof address === 'object' && address ? address.port : port;
      return `http://127.0.0.1:${port}`;
    },
    close: async () => {
      daemon.hub.close();
      await app.close();
      await daemon.close();
    },
  };
}

/** A backend as given by --backend or the config file. */
export function staticBackend(name: string, port: number, source: 'flag' | 'config' = 'flag'): StaticBackend {
  return { backend: Backend.parse({ name, port }), source };
}

/** A real HTTP backend on 127.0.0.1 that answers with its id. */
export async function startHttpBackend(id = 'test'): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * The next daemon event of this name that satisfies `ok`, within `withinMs` (then a rejection
 * naming the event): tests wait on events, not on sleeps or polls.
 */
export function nextDaemonEvent<K extends keyof DaemonEvents>(
  d: InProcessDaemon,
  name: K,
  ok: (...args: DaemonEvents[K]) => boolean,
  withinMs: number,
): Promise<DaemonEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const events = d.daemon.events as unknown as EventEmitter<Record<string, unknown[]>>;
    const on = (...args: unknown[]) => {
      if (!ok(...(args as DaemonEvents[K]))) return;
      clearTimeout(timer);
      events.off(name, on);
      resolve(args[0] as DaemonEvents[K][0]);
    };
    const timer = setTimeout(() => {
      events.off(name, on);
      reject(new Error(`no such ${name} event within ${withinMs} ms`));
    }, withinMs);
    events.on(name, on);
  });
}
