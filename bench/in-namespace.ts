// Runs inside the bench's network namespace (its interfaces are the candidates) and prints JSON.
import { readFile } from 'node:fs/promises';
import { createListeningScanner, createRegistry, type EndpointList, parseConnectTo, probeHttp } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';

const port = Number(process.argv[2]);
const mode = process.argv[3] ?? 'concurrency';
const probeTimeoutMs = Number(process.argv[4] ?? 2_000);
const RUNS = 7;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const registry = createRegistry({ providers: [createLanProvider()], probeTimeoutMs });

async function timedDiscover(): Promise<{ ms: number; list: EndpointList }> {
  const started = performance.now();
  const list = await registry.discover({ name: 'bench', port });
  return { ms: performance.now() - started, list };
}

if (mode === 'scan') {
  // Discovery's per-second scan (issue 14): sockets and their owners, warm (owners known) and
  // cold (a new scanner), beside a bare read of /proc/net/tcp{,6}.
  const SCANS = 21;
  const timeIt = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const bare = async () => Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8')));
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) cold.push(await timeIt(() => createListeningScanner().scan()));
  const scanner = createListeningScanner();
  const found = (await scanner.scan())?.length ?? 0;
  const warm: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < SCANS; i++) {
    warm.push(await timeIt(() => scanner.scan()));
    bareTimes.push(await timeIt(bare));
  }
  process.stdout.write(`${JSON.stringify({ found, warmMs: median(warm), coldMs: median(cold), bareMs: median(bareTimes) })}\n`);
  process.exit(0);
}

await timedDiscover(); // warm-up: JIT and first-connection costs are not what is measured
if (mode === 'concurrency') {
  const totals: number[] = [];
  let list: EndpointList | undefined;
  for (let i = 0; i < RUNS; i++) ({ ms: totals[i] = 0, list } = await timedDiscover());
  const urls = (list?.endpoints ?? []).map((e) => e.url);
  const slowest: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let max = 0;
    for (const url of urls) {
      const r = await probeHttp({ url: new URL(url), timeoutMs: probeTimeoutMs, connectTo: parseConnectTo('') });
      max = Math.max(max, r.latencyMs);
    }
    slowest.push(max);
  }
  process.stdout.write(`${JSON.stringify({ candidates: urls.length, totalMs: median(totals), slowestProbeMs: median(slowest) })}\n`);
} else {
  const { ms, list } = await timedDiscover();
  const others = list.endpoints.filter((e) => e.status === 'verified').map((e) => e.verification.latencyMs ?? 0);
  const dead = list.endpoints.filter((e) => e.verification.reason === 'timed-out').length;
  process.stdout.write(
    `${JSON.stringify({ totalMs: ms, othersMaxLatencyMs: Math.max(...others), verified: others.length, timedOut: dead })}\n`,
  );
}
