import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { BackendInfo, EndpointList } from '@endpointd/core';
import { localDaemonUrl } from '../client/daemon-address.js';
import { homePath } from '../home.js';
import { readToken } from '../token-file.js';
import { lockedDaemonPid } from './daemon-lock.js';

// The CLI's fast path for `endpoints list` (issue 10.10): the daemon's JSON as it answers, with
// none of the client's schemas loaded (zod and the API's schemas cost more than the request).
// The daemon serializes through those schemas already; errors keep the client's names and
// wording, so the CLI reports them the same way.

const http = createRequire(import.meta.url)('node:http') as typeof Http; // see node-transport.ts
const STARTING_WAIT_MS = 5_000;
const TIMEOUT_MS = 30_000;

const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { headers: { authorization: `Bearer ${token}`, connection: 'close' }, agent: false, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** A reader of the local daemon's JSON answers, waiting (up to 5 s) for a daemon that is starting. */
export function connectRaw(env: NodeJS.ProcessEnv = process.env) {
  const home = homePath(env);
  async function json<T>(path: string): Promise<T> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    for (;;) {
      const base = localDaemonUrl(home, env);
      const token = readToken(home);
      try {
        if (token === null) {
          throw named(
            'DaemonUnreachableError',
            `endpointd is not running with this home: there is no token in ${home} (set ENDPOINTD_HOME if the daemon uses another one)`,
          );
        }
        let res: { status: number; body: string };
        try {
          res = await get(`${base.replace(/\/+$/, '')}${path}`, token);
        } catch (cause) {
          throw named('DaemonUnreachableError', `endpointd is not running (no answer at ${base})`, { cause });
        }
        const parsed = res.body ? (JSON.parse(res.body) as unknown) : null;
        if (res.status >= 400) {
          const e = (parsed ?? {}) as { message?: string; hint?: string; code?: string };
          throw named('EndpointdApiError', e.message ?? `HTTP ${res.status}`, { hint: e.hint, code: e.code, statusCode: res.status });
        }
        return parsed as T;
      } catch (err) {
        const starting = (err as Error).name === 'DaemonUnreachableError' && lockedDaemonPid(home) !== null;
        if (!starting || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return {
    backends: async () => (await json<{ backends: BackendInfo[] }>('/v1/backends')).backends,
    endpoints: (name: string, opts: { refresh?: boolean; verify?: boolean } = {}) => {
      const query = new URLSearchParams();
      if (opts.refresh) query.set('refresh', 'true');
      if (opts.verify === false) query.set('verify', 'false');
      return json<EndpointList>(`/v1/backends/${encodeURIComponent(name)}/endpoints${query.size ? `?${query}` : ''}`);
    },
  };
}
