// Relay rows of npm run bench: the same requests made directly to a backend and through
// endpointd-relay + an agent (over loopback), in one run. Prints one JSON line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startUntil } from '../tests/helpers/processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'bench-relay-token-0123456789';
const SEQUENTIAL = 1_000;
const ROUNDS = 3;
const DURATION_S = 2;
const CONNECTIONS = 10;

// Three processes, as deployed: the relay (the built binary), the agent with its backend, and
// this one as the client; a shared event loop would make the relay look slower than it is.
const dir = mkdtempSync(join(tmpdir(), 'endpointd-relay-bench-'));
writeFileSync(join(dir, 'tokens'), `${TOKEN}\n`, { mode: 0o600 });
const started = await startUntil(
  null,
  [
    process.execPath,
    `${ROOT}apps/relay/dist/endpointd-relay.js`,
    '--listen',
    '127.0.0.1:0',
    '--agent-token-file',
    join(dir, 'tokens'),
    '--single',
    'bench',
  ],
  /"listen":"127\.0\.0\.1:(\d+)"/,
);
const relay = started.child;
const relayPort = Number(started.match[1]);
const withAgent = await startUntil(
  null,
  [process.execPath, '--import', 'tsx', '--conditions=source', `${ROOT}bench/relay-agent.ts`, `http://127.0.0.1:${relayPort}`, TOKEN],
  /ready (\d+)/,
);
const agent = withAgent.child;
const backendPort = Number(withAgent.match[1]);

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
function once(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      })
      .on('error', reject);
  });
}
async function latencies(port: number): Promise<{ p50: number; p99: number }> {
  const all: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) all.push(await once(port));
  all.sort((a, b) => a - b);
  return { p50: all[Math.floor(all.length * 0.5)] ?? 0, p99: all[Math.floor(all.length * 0.99)] ?? 0 };
}
async function throughput(port: number): Promise<number> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: DURATION_S });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${port}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;

await latencies(backendPort); // warm both paths
await latencies(relayPort);
const direct = await latencies(backendPort);
const relayed = await latencies(relayPort);
const directRps: number[] = [];
const relayRps: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  directRps.push(await throughput(backendPort));
  relayRps.push(await throughput(relayPort));
}
process.stdout.write(
  `${JSON.stringify({ directP50: direct.p50, directP99: direct.p99, relayP50: relayed.p50, relayP99: relayed.p99, directRps: median(directRps), relayRps: median(relayRps) })}\n`,
);
keepAlive.destroy();
agent.kill('SIGTERM');
relay.kill('SIGTERM');
await Promise.allSettled([agent, relay]);
