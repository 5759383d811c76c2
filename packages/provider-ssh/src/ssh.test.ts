import { describe, expect, it } from 'vitest';
import { formatDestination, parseDestination, ReverseOptions } from './destination.js';
import { classifySshStderr } from './ssh-stderr.js';
import { parseSshdT } from './sshd-state.js';

describe('destinations', () => {
  it.each([
    ['vps.example.com', { user: null, host: 'vps.example.com' }],
    ['deploy@vps.example.com', { user: 'deploy', host: 'vps.example.com' }],
    ['root@10.0.0.5', { user: 'root', host: '10.0.0.5' }],
    ['me@[2001:db8::5]', { user: 'me', host: '2001:db8::5' }],
  ])('parses %s', (input, expected) => {
    expect(parseDestination(input)).toEqual(expected);
    expect(formatDestination(parseDestination(input))).toBe(input.replace(/\[|\]/g, ''));
  });
  it.each(['-oProxyCommand=sh', 'me@-oProxyCommand=sh', 'host name', 'a@b@c', 'x;rm -rf /', '$(id)', ''])('refuses %j', (input) => {
    expect(() => parseDestination(input)).toThrow();
  });
  it('validates the exposure options with the same rules', () => {
    expect(ReverseOptions.safeParse({ host: '-oProxyCommand=x' }).success).toBe(false);
    expect(ReverseOptions.safeParse({ host: 'vps.example.com', remotePort: 8080, publicUrl: 'https://app.example.com/' }).success).toBe(
      true,
    );
    expect(ReverseOptions.safeParse({ host: 'vps.example.com', extra: 1 }).success).toBe(false);
  });
});

describe('ssh stderr', () => {
  it.each([
    ['ssh: Could not resolve hostname nope.invalid: Name or service not known', 'host-unknown'],
    ['root@10.0.0.5: Permission denied (publickey).', 'auth-failed'],
    ['@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@', 'host-key-mismatch'],
    ['Host key verification failed.', 'host-key-mismatch'],
    ['Error: remote port forwarding failed for listen port 8080', 'remote-forward-failed'],
    ['ssh: connect to host 10.0.0.5 port 22: Connection refused', 'sshd-unreachable'],
    ['ssh: connect to host 10.0.0.5 port 22: Connection timed out', 'timed-out'],
    ['Connection to 10.0.0.5 closed by remote host.', 'disconnected'],
  ] as const)('%s -> %s', (line, reason) => {
    expect(classifySshStderr(line)).toBe(reason);
  });
});

describe('sshd -T', () => {
  it('reads ports, listen addresses and forwarding settings', () => {
    expect(parseSshdT('port 2222\nlistenaddress 0.0.0.0:2222\nallowtcpforwarding remote\npermitopen any\n')).toEqual({
      ports: [2222],
      listenAddresses: ['0.0.0.0:2222'],
      allowTcpForwarding: 'remote',
      permitOpen: 'any',
    });
  });
});

describe('the local-forward recipe', () => {
  it('names this machine by the injected host name (the daemon wires Tailscale MagicDNS) when there is one', async () => {
    const { createSshProvider } = await import('./provider.js');
    const { Backend } = await import('@endpointd/core');
    const ctx = {
      backend: Backend.parse({ name: 'a', port: 3000 }),
      scheme: 'http' as const,
      listen: null,
      signal: new AbortController().signal,
      fresh: true,
    };
    // sshd "installed" through the env option (process.env untouched): a candidate is proposed whatever listens.
    const env = { ...process.env, ENDPOINTD_SSHD_BIN: process.execPath };
    const withName = createSshProvider({}, { hostName: async () => 'devbox.tail911da.ts.net', env });
    const c = (await withName.discover(ctx)).candidates.find((x) => x.type === 'ssh-local-forward');
    expect(c?.connect?.command).toMatch(/^ssh -N -L 3000:127\.0\.0\.1:3000 \S+@devbox\.tail911da\.ts\.net$/);
    const without = createSshProvider({}, { hostName: async () => null, env });
    expect((await without.discover(ctx)).candidates.find((x) => x.type === 'ssh-local-forward')?.connect?.command).not.toMatch(/ts\.net/);
  });
});
