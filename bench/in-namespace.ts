// Runs inside the bench's network namespace (its interfaces are the candidates) and prints JSON.
import { createRegistry, type EndpointList, parseConnectTo, probeHttp } from '@endpointd/core';
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
