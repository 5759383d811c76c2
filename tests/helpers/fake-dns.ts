import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { FAKES_DIR } from './fake-tailscale.js';
import { inNamespace } from './processes.js';

export type DnsLogLine = { at: number; name: string; type: string; rcode: string };

/** A namespace's DNS: a recording "system" resolver (its resolv.conf) and a "public" one. */
export interface FakeDns {
  systemServer: string;
  publicServer: string;
  log(role: 'system' | 'public'): DnsLogLine[];
  stop(): Promise<void>;
}

/**
 * Starts both servers of tests/fakes/dns-server.mjs in `ns`. The system one becomes the
 * namespace's resolver: `ip netns exec` mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
 * The public one answers `answer` for tunnel names the fake cloudflared registered in
 * `routesDir`, `publishDelayMs` after registration.
 */
export async function startFakeDns(ns: string, options: { routesDir: string; answer: string; publishDelayMs: number }): Promise<FakeDns> {
  const logs = mkdtempSync(join(tmpdir(), 'fake-dns-'));
  const systemServer = '127.0.0.53';
  const publicServer = '127.0.0.54';
  const children: ResultPromise[] = [];
  mkdirSync(`/etc/netns/${ns}`, { recursive: true });
  writeFileSync(`/etc/netns/${ns}/resolv.conf`, `nameserver ${systemServer}\noptions timeout:1 attempts:1\n`);
  const start = async (role: string, listen: string, extra: string[]) => {
    const script = join(FAKES_DIR, 'dns-server.mjs');
    const [cmd, argv] = inNamespace(ns, process.execPath, [
      script,
      '--role',
      role,
      '--listen',
      `${listen}:53`,
      '--log',
      join(logs, `${role}.log`),
      ...extra,
    ]);
    const child = execa(cmd, argv, { reject: false, buffer: false });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      void child.then((r) => reject(new Error(`dns server ${role} exited (${r.exitCode})`)));
    });
  };
  await start('system', systemServer, []);
  await start('public', publicServer, [
    '--dir',
    options.routesDir,
    '--answer',
    options.answer,
    '--delay-ms',
    String(options.publishDelayMs),
  ]);
  return {
    systemServer,
    publicServer,
    log(role) {
      try {
        return readFileSync(join(logs, `${role}.log`), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as DnsLogLine);
      } catch {
        return [];
      }
    },
    async stop() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children);
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
      rmSync(logs, { recursive: true, force: true });
    },
  };
}
