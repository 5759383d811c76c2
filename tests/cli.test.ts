import { realpathSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tag } from './helpers/list.js';
import { addNamespace, deleteNamespace } from './helpers/netns.js';
import { REPO_ROOT, type RunningBackend, runEndpoints, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

describe('endpoints CLI usage', () => {
  it.each([
    [['list', '--timeout', '100'], /--timeout goes with --port/],
    [['list', '--port', '0'], /--port must be a whole number from 1 to 65535, got "0"/],
    [['list', '--port', '3000', '--bogus'], /Unknown option '--bogus'/],
    [['list', '--port', '3000', '--identity', 'md5'], /--identity md5: kind: /],
    [['list', '--port', '3000', '--identity', 'json-field:/id'], /field/],
    [['list', '--port', '3000', '--custom', 'ftp://x'], /--custom ftp:\/\/x: url: must be an http\(s\) URL/],
    [['list', '--port', '3000', '--probe-path', 'health'], /--probe-path: must be a path starting with "\/"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j exits 2 with a clear message and no stack trace', async (args, message) => {
    const r = await runEndpoints(null, args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run 'endpoints.* --help' for usage/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('answers --version', async () => {
    const r = await runEndpoints(null, ['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^endpoints \d+\.\d+\.\d+$/) }); // execa strips the final newline
  });

  it('has its bins linked by npm ci, through committed entry files that load the build (npx endpoints works)', async () => {
    for (const bin of ['endpoints', 'endpointd', 'endpointd-relay']) {
      expect(realpathSync(`${REPO_ROOT}node_modules/.bin/${bin}`)).toMatch(new RegExp(`/apps/(daemon|relay)/bin/${bin}\\.js$`));
    }
    const r = await execa(`${REPO_ROOT}node_modules/.bin/endpoints`, ['--help'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toMatch(/Usage: endpoints <command>/);
  });

  it('prints help for the tool and for list', async () => {
    const top = await runEndpoints(null, ['--help']);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/Usage: endpoints <command>/);
    const list = await runEndpoints(null, ['list', '--help']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/--no-verify/);
  });

  it('rejects a malformed ENDPOINTD_CONNECT_TO instead of probing the real address', async () => {
    const r = await runEndpoints(null, ['list', '--port', '3000', '--no-verify'], { ENDPOINTD_CONNECT_TO: 'nonsense' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/"nonsense" is not host:port=addr:port/);
  });
});

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('endpoints list tables (in a namespace)', () => {
  let ns: string;
  let backend: RunningBackend;
  beforeAll(async () => {
    ns = await addNamespace(`epd-${tag('cli')}`);
    backend = await startBackend(ns, ['--host', '127.0.0.1', '--id', 'cli']);
  });
  afterAll(async () => {
    await backend?.stop();
    await deleteNamespace(ns);
  });

  it('shows a verified loopback row and no colour without a TTY', async () => {
    const r = await runEndpoints(ns, ['list', '--port', String(backend.port)]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`loopback\\s+http://127\\.0\\.0\\.1:${backend.port}/\\s+verified\\s+[\\d.]+ ms`));
    expect(r.stdout).toMatch(/Default: none\. No default type is saved and no endpoint is verified/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('says clearly that nothing listens, and does not crash', async () => {
    const r = await runEndpoints(ns, ['list', '--port', '9']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /! Nothing is listening on port 9 on this machine \(the backend stopped listening, or has not started\): start it/,
    );
  });

  it('lists candidates without probing with --no-verify', async () => {
    const r = await runEndpoints(ns, ['list', '--port', String(backend.port), '--no-verify', '--json']);
    const list = JSON.parse(String(r.stdout));
    expect(list.endpoints.map((e: { status: string }) => e.status)).toEqual(['unverified']);
  });
});
