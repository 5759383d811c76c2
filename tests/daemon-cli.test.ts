import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultResolution, EndpointList } from '@endpointd/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_BIN, type RunningDaemon, startDaemon, tempHome } from './helpers/daemon.js';
import { tag } from './helpers/list.js';
import { createLanTopology, type LanTopology } from './helpers/netns.js';
import { inNamespace, type RunningBackend, runEndpoints, startBackend } from './helpers/processes.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

const unavailable = netnsUnavailableReason();

describe.skipIf(unavailable)('the endpoints CLI against a running daemon', () => {
  let t: LanTopology;
  let backend: RunningBackend;
  let daemon: RunningDaemon;
  const cli = (args: string[]) => runEndpoints(t.host, args, { ENDPOINTD_HOME: daemon.home });

  beforeAll(async () => {
    t = await createLanTopology(tag('dcli'));
    backend = await startBackend(t.host, ['--host', '0.0.0.0', '--id', 'cli']);
    daemon = await startDaemon(t.host, ['--backend', `app=${backend.port}`]);
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.stop();
    await t?.destroy();
  });

  it('list --json prints the contract JSON from the daemon', async () => {
    const r = await cli(['list', '--json']);
    expect(r.exitCode).toBe(0);
    const list = EndpointList.parse(JSON.parse(String(r.stdout)));
    expect(list.backend).toBe('app');
    expect(list.endpoints.find((e) => e.type === 'lan' && e.host === t.hostV4)).toMatchObject({ status: 'verified', isDefault: true });
  });

  it('default lan, then default --clear', async () => {
    const set = await cli(['default', 'lan', '--json']);
    expect(set.exitCode).toBe(0);
    expect(DefaultResolution.parse(JSON.parse(String(set.stdout)))).toMatchObject({ type: 'lan', requestedType: 'lan', fallback: false });
    expect(JSON.parse(readFileSync(join(daemon.home, 'state.json'), 'utf8')).defaults).toEqual({ app: 'lan' });
    const shown = await cli(['default']);
    expect(shown.stdout).toMatch(/^Default: lan \(saved type lan\)/);
    const cleared = await cli(['default', '--clear']);
    expect(cleared.stdout).toMatch(/^Default: lan \(no saved type\)/);
    const bad = await cli(['default', 'pigeon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown type "pigeon"; one of: loopback, lan/);
  });

  it('qr prints a QR code and the default URL under it', async () => {
    const r = await cli(['qr']);
    expect(r.exitCode).toBe(0);
    expect((r.stdout.match(/[█▀▄]/g) ?? []).length).toBeGreaterThan(100); // a QR code of block characters
    expect(r.stdout).toContain(`http://${t.hostV4}:${backend.port}/  (lan)`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no ANSI without a TTY
    expect(r.stdout).not.toMatch(/\u001b\[/);
    const none = await cli(['qr', 'tailscale-serve']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/no verified tailscale-serve endpoint/);
  });

  it('doctor explains providers and endpoints', async () => {
    const r = await cli(['doctor']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Providers\n\s+lan\s+ok/);
    // No tailscale binary in this namespace's PATH: doctor says so and how to fix it.
    expect(r.stdout).toMatch(
      /tailscale\s+unavailable \(not-installed\) — The tailscale CLI was not found on PATH \(or at ENDPOINTD_TAILSCALE_BIN\): install it \(tailscale\.com\/download\)/,
    );
    expect(r.stdout).toMatch(new RegExp(`✓ lan\\s+http://${t.hostV4.replaceAll('.', '\\.')}:${backend.port}/ verified`));
    expect(r.stdout).toMatch(/Every backend has a verified endpoint other devices can use/);
  });

  it('backends add, list and remove; then --backend is needed', async () => {
    expect((await cli(['backends', 'add', 'second', '--port', String(backend.port), '--identity', 'header:X-Backend-Id'])).exitCode).toBe(
      0,
    );
    expect((await cli(['backends', 'list'])).stdout).toMatch(/app\s+port \d+\s+flag\nsecond\s+port \d+\s+api/);
    const ambiguous = await cli(['list']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toMatch(/2 backends \(app, second\): choose one with --backend NAME/);
    const second = EndpointList.parse(JSON.parse(String((await cli(['list', '--backend', 'second', '--json', '--refresh'])).stdout)));
    expect(second.endpoints.every((e) => e.verification.identity === 'header')).toBe(true);
    expect((await cli(['backends', 'remove', 'second'])).exitCode).toBe(0);
    const removeFlag = await cli(['backends', 'remove', 'app']);
    expect(removeFlag.exitCode).toBe(1);
    expect(removeFlag.stderr).toMatch(/comes from --backend\nRemove it there and restart endpointd/);
  });

  it('enable answers with the reason when the tool is missing, and funnel needs --yes', async () => {
    const r = await cli(['enable', 'ssh-reverse', '--host', 'vps.example.com', '--wait', '15']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/ssh-reverse failed: .*\nThe ssh client was not found on PATH/);
    await cli(['disable', 'ssh-reverse']);
    const funnel = await cli(['enable', 'tailscale-funnel']);
    expect(funnel.exitCode).toBe(2);
    expect(funnel.stderr).toMatch(/public internet: pass --yes/);
  });

  it('says how to start the daemon when it is not running', async () => {
    const home = tempHome();
    // Another command says how to start it (exit 1)…
    const r = await runEndpoints(t.host, ['backends', 'list'], { ENDPOINTD_HOME: home, ENDPOINTD_URL: 'http://127.0.0.1:9' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/endpointd is not running.*\nStart it with `endpoints daemon start --backend NAME=PORT`/);
    // …and `list`, which has a backend to suggest (the one listening here), says both (exit 2).
    const l = await runEndpoints(t.host, ['list'], { ENDPOINTD_HOME: home, ENDPOINTD_URL: 'http://127.0.0.1:9' });
    expect(l.exitCode).toBe(2);
    expect(l.stderr).toMatch(
      /endpointd is not running.*start it with `endpoints daemon start --backend NAME=PORT`.*choose one: endpoints list --port \d+/,
    );
  });

  it.each([
    [['enable', 'ssh-reverse'], '--host is required'],
    [['enable', 'cloudflare-named', '--token-file', 'rel.token'], '--token-file must be an absolute path'],
    [['enable', 'relay'], '--relay-url is required; --token-file is required'],
    [['enable', 'cloudflare-named'], 'give either --token-file, or --credentials-file with --tunnel and --hostname'],
    [['backends', 'add', 'x', '--port', '3000', '--probe-path', 'nope'], '--probe-path: must be a path starting with "/"'],
  ])('%j: a usage error in the flags’ terms, exit 2, no field names or zod wording (issue 10.6)', async (args, message) => {
    const r = await cli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/options\.|tokenFile|relayUrl|Invalid input|expected string/);
    expect(r.stderr).toMatch(/Run 'endpoints (enable|backends add) --help' for usage/);
  });

  it('says a missing config file does not exist, never an errno code', async () => {
    const [cmd, argv] = inNamespace(t.host, process.execPath, [DAEMON_BIN, '--config', '/nonexistent/endpointd.json']);
    const r = await execa(cmd, argv, { reject: false });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('cannot read config /nonexistent/endpointd.json: it does not exist');
    expect(String(r.stderr)).not.toMatch(/ENOENT|errno/);
  });

  it('endpointd --help and --version answer without starting', async () => {
    const help = await execa(process.execPath, [DAEMON_BIN, '--help']);
    expect(help.stdout).toMatch(/--listen HOST:PORT/);
    const version = await execa(process.execPath, [DAEMON_BIN, '--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
