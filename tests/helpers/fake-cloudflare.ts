import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { FAKES_DIR } from './fake-tailscale.js';
import { readInvocations } from './fake-tools.js';
import { inNamespace } from './processes.js';
import { issueCert, type TestCa } from './test-ca.js';

export const NAMED_HOST = 'app.example.test';

/** The fake cloudflared and the fake Cloudflare edge for one namespace. */
export interface FakeCloudflare {
  state: string;
  env: Record<string, string>;
  setScenario(name: string): void;
  invocations(): string[][];
  setNamedOrigin(origin: string): void;
  /** The dashboard's ingress rules a token tunnel is pushed, and how long after /ready turns 200 (null: the default single rule). */
  setNamedIngress(rules: Array<{ hostname?: string; path?: string; service: string }> | null, delayMs?: number): void;
  stop(): Promise<void>;
}

/**
 * `edgeListen`: where the fake edge listens. By default on a free loopback port, which
 * ENDPOINTD_CONNECT_TO points the tunnel names at; with an address:443 of its own, names are
 * left to DNS (no ENDPOINTD_CONNECT_TO), as for the real edge.
 */
export async function setupFakeCloudflare(ns: string, ca: TestCa, options: { edgeListen?: string } = {}): Promise<FakeCloudflare> {
  const state = mkdtempSync(join(tmpdir(), 'fake-cloudflared-'));
  const cert = await issueCert(ca, 'cloudflare-edge', ['*.trycloudflare.com', NAMED_HOST]);
  const [cmd, argv] = inNamespace(ns, process.execPath, [
    `${FAKES_DIR}/cloudflare-edge.mjs`,
    '--listen',
    options.edgeListen ?? '127.0.0.1:0',
    '--cert',
    cert.cert,
    '--key',
    cert.key,
    '--dir',
    state,
  ]);
  // The test CA is in the "system pool" the origin proxy verifies https services against.
  const edge: ResultPromise = execa(cmd, argv, { reject: false, buffer: false, env: { NODE_EXTRA_CA_CERTS: ca.caCert } });
  const port = await new Promise<number>((resolve, reject) => {
    edge.stdout?.once('data', (c: Buffer) => resolve(Number(/ready (\d+)/.exec(c.toString())?.[1])));
    void edge.then(() => reject(new Error('fake edge exited')));
  });
  return {
    state,
    env: {
      PATH: `${FAKES_DIR}:${process.env.PATH ?? ''}`,
      FAKE_CLOUDFLARED_STATE: state,
      FAKE_CLOUDFLARED_EDGE: state,
      NODE_EXTRA_CA_CERTS: ca.caCert,
      ...(options.edgeListen
        ? {}
        : { ENDPOINTD_CONNECT_TO: `*.trycloudflare.com:443=127.0.0.1:${port},${NAMED_HOST}:443=127.0.0.1:${port}` }),
    },
    setScenario: (name) => writeFileSync(join(state, 'scenario'), name),
    setNamedOrigin: (origin) => writeFileSync(join(state, 'named-origin'), origin),
    setNamedIngress(rules, delayMs = 200) {
      writeFileSync(join(state, 'named-ingress'), JSON.stringify(rules));
      writeFileSync(join(state, 'config-delay-ms'), String(delayMs));
    },
    invocations: () => readInvocations(state),
    stop: async () => {
      edge.kill('SIGTERM');
      await edge;
    },
  };
}
