import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { inNamespace } from './processes.js';

export const SSHD_BIN = '/usr/sbin/sshd';

/** Keys made at test time: a host key, an authorized client key, and a key nobody authorized. */
export interface SshKit {
  dir: string;
  hostKey: string;
  clientKey: string;
  strangerKey: string;
  authorizedKeys: string;
  /** Writes an ssh client config using `identity`, trusting the host key for `hosts`; returns its path. */
  clientConfig(name: string, identity: string, hosts: string[]): string;
  /** Makes the ssh-test-config wrapper use this config from now on. */
  useConfig(path: string): void;
}

async function keygen(path: string): Promise<void> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'endpointd-test', '-f', path]);
}

export async function createSshKit(): Promise<SshKit> {
  const dir = mkdtempSync(join(tmpdir(), 'endpointd-ssh-'));
  const kit = { hostKey: join(dir, 'host_ed25519'), clientKey: join(dir, 'client_ed25519'), strangerKey: join(dir, 'stranger_ed25519') };
  await Promise.all([keygen(kit.hostKey), keygen(kit.clientKey), keygen(kit.strangerKey)]);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${kit.clientKey}.pub`), { mode: 0o600 });
  const hostPub = readFileSync(`${kit.hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return {
    dir,
    ...kit,
    authorizedKeys,
    clientConfig(name, identity, hosts) {
      const knownHosts = join(dir, `${name}.known_hosts`);
      writeFileSync(knownHosts, hosts.map((h) => `${h} ${hostPub}\n`).join(''));
      const path = join(dir, `${name}.config`);
      writeFileSync(
        path,
        `Host *\n  IdentityFile ${identity}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n`,
        { mode: 0o600 },
      );
      return path;
    },
    useConfig: (path) => writeFileSync(join(dir, 'current-config'), path),
  };
}

export interface RunningSshd {
  pid: number;
  configFile: string;
  stop(): Promise<void>;
}

/** Starts a real OpenSSH server in a namespace with a config made for the test. */
export async function startSshd(
  ns: string,
  kit: SshKit,
  options: { listen: string; gatewayPorts: 'yes' | 'no'; allowTcpForwarding: 'yes' | 'no'; name: string },
): Promise<RunningSshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const configFile = join(kit.dir, `${options.name}.sshd_config`);
  writeFileSync(
    configFile,
    [
      `ListenAddress ${options.listen}`,
      `HostKey ${kit.hostKey}`,
      `PidFile ${join(kit.dir, `${options.name}.pid`)}`,
      `AuthorizedKeysFile ${kit.authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowTcpForwarding ${options.allowTcpForwarding}`,
      `GatewayPorts ${options.gatewayPorts}`,
      '',
    ].join('\n'),
  );
  const [cmd, argv] = inNamespace(ns, SSHD_BIN, ['-D', '-e', '-f', configFile]);
  const child: ResultPromise = execa(cmd, argv, { reject: false, buffer: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sshd did not start')), 10_000);
    child.stderr?.on('data', (c: Buffer) => {
      if (/Server listening/.test(c.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((r) => reject(new Error(`sshd exited: ${r.exitCode}`)));
  });
  return {
    pid: child.pid ?? 0,
    configFile,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** Kills the per-connection sshd processes of a server: the connections drop, the server stays. */
export async function dropConnections(sshd: RunningSshd): Promise<void> {
  await execa('pkill', ['-TERM', '-P', String(sshd.pid)], { reject: false });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'endpointd-ssh-client-'));
}
