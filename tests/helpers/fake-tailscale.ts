import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { readInvocations } from './fake-tools.js';
import { inNamespace, REPO_ROOT } from './processes.js';
import { issueCert, type TestCa } from './test-ca.js';

export const FAKES_DIR = `${REPO_ROOT}tests/fakes`;
export const TS_NAME = 'devbox.tail-test.ts.net';

/** A fake tailscale for one namespace: its state folder, environment and controls. */
export interface FakeTailscale {
  state: string;
  env: Record<string, string>;
  setScenario(name: string): void;
  approve(): void;
  /** Argument lists of every CLI invocation so far. */
  invocations(): string[][];
  /** Runs the fake CLI itself, as a user (or another program) would. */
  cli(args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
  serveConfig(): Record<string, unknown>;
  /** Replaces the whole serve config, as `tailscale serve set-raw` does (tailscaled still validates it). */
  setRaw(config: unknown): Promise<void>;
  /** Sets the funnel-ports node attribute ("443,8443", "8080-8090", or "none"). */
  setFunnelPorts(ports: string): void;
  /** Starts a foreground `tailscale serve …` (as in a terminal); resolves once its session is in the config. */
  foreground(args: string[]): Promise<{ stop(): Promise<void> }>;
  cleanup(): void;
}

/** Sets up the fake for `ns`, whose tailscale0 holds `ipv4`/`ipv6`; `ports` are the backend ports MagicDNS must reach. */
export async function setupFakeTailscale(ns: string, ca: TestCa, ipv4: string, ipv6: string, ports: number[]): Promise<FakeTailscale> {
  const state = mkdtempSync(join(tmpdir(), 'fake-tailscale-'));
  const cert = await issueCert(ca, 'tailscale-serve', [TS_NAME]);
  const connectTo = [80, 443, 8080, 8443, 10000, ...ports].map((p) => `${TS_NAME}:${p}=${ipv4}:${p}`).join(',');
  const env = {
    PATH: `${FAKES_DIR}:${process.env.PATH ?? ''}`,
    FAKE_TAILSCALE_STATE: state,
    FAKE_TAILSCALE_NAME: TS_NAME,
    FAKE_TAILSCALE_IPV4: ipv4,
    FAKE_TAILSCALE_IPV6: ipv6,
    FAKE_TAILSCALE_CERT: cert.cert,
    FAKE_TAILSCALE_KEY: cert.key,
    NODE_EXTRA_CA_CERTS: ca.caCert,
    ENDPOINTD_CONNECT_TO: connectTo,
  };
  const sessions = new Set<ResultPromise>();
  return {
    state,
    env,
    setScenario: (name) => writeFileSync(join(state, 'scenario'), name),
    approve: () => writeFileSync(join(state, 'approved'), ''),
    invocations: () => readInvocations(state),
    async cli(args) {
      const [cmd, argv] = inNamespace(ns, `${FAKES_DIR}/tailscale`, args);
      const r = await execa(cmd, argv, { reject: false, env });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    serveConfig: () => JSON.parse(existsSync(join(state, 'serve.json')) ? readFileSync(join(state, 'serve.json'), 'utf8') || '{}' : '{}'),
    async setRaw(config) {
      const [cmd, argv] = inNamespace(ns, `${FAKES_DIR}/tailscale`, ['serve', 'set-raw']);
      const r = await execa(cmd, argv, { reject: false, env, input: JSON.stringify(config) });
      if (r.exitCode !== 0) throw new Error(`set-raw failed: ${String(r.stderr)}`);
    },
    setFunnelPorts: (ports) => writeFileSync(join(state, 'funnel-ports'), ports),
    async foreground(args) {
      const [cmd, argv] = inNamespace(ns, `${FAKES_DIR}/tailscale`, ['serve', ...args]);
      const child = execa(cmd, argv, { reject: false, env });
      sessions.add(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('Press Ctrl+C to exit.')) resolve();
        });
        void child.then((r) => reject(new Error(`foreground serve exited ${r.exitCode}: ${String(r.stderr)}`)));
      });
      return {
        async stop() {
          child.kill('SIGINT');
          await child;
          sessions.delete(child);
        },
      };
    },
    cleanup() {
      for (const child of sessions) child.kill('SIGKILL');
      const file = join(state, 'proxies.json');
      if (!existsSync(file)) return;
      for (const p of Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, { pid: number }>)) {
        try {
          process.kill(p.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}
