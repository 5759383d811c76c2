// Runs inside the bench namespace, where the daemon listens on loopback. Prints one JSON line.
import { spawn } from 'node:child_process';
import http from 'node:http';
import autocannon from 'autocannon';

const [mode = '', url = '', token = '', count = '1000'] = process.argv.slice(2);
const ROUND_S = 2;
const ROUNDS = 5;
const CONNECTIONS = 10;

async function measure(target: string, headers: Record<string, string>, durationS: number): Promise<number> {
  const result = await autocannon({ url: target, headers, connections: CONNECTIONS, duration: durationS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function startHello(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [new URL('./fixtures/hello-server.mjs', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.on('data', (c: Buffer) => resolve(Number(/ready (\d+)/.exec(c.toString())?.[1]))),
  );
  return { port, stop: () => child.kill() };
}

if (mode === 'throughput') {
  const hello = await startHello();
  try {
    const daemonTarget = [`${url}/v1/backends/app/endpoints`, { authorization: `Bearer ${token}` }] as const;
    const helloTarget = [`http://127.0.0.1:${hello.port}/hello`, {}] as const;
    await measure(...daemonTarget, 1); // warm-up
    await measure(...helloTarget, 1);
    // Alternating short rounds: this machine's speed drifts, so both sides see the same conditions.
    const daemon: number[] = [];
    const baseline: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      daemon.push(await measure(...daemonTarget, ROUND_S));
      baseline.push(await measure(...helloTarget, ROUND_S));
      ratios.push((daemon.at(-1) ?? 0) / (baseline.at(-1) ?? 1));
    }
    process.stdout.write(`${JSON.stringify({ daemon: median(daemon), baseline: median(baseline), ratio: median(ratios) })}\n`);
  } finally {
    hello.stop();
  }
} else if (mode === 'sse') {
  const n = Number(count);
  const received: number[] = [];
  let sentAt = 0;
  let connected = 0;
  const requests: http.ClientRequest[] = [];
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < n; i++) {
      const req = http.get(`${url}/v1/events?backend=app`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`subscriber ${i}: HTTP ${res.statusCode}`));
        if (++connected === n) resolve();
        let seen = false;
        res.on('data', (chunk: Buffer) => {
          if (!seen && sentAt > 0 && chunk.includes('event: default')) {
            seen = true;
            received.push(performance.now() - sentAt);
          }
        });
      });
      req.on('error', reject);
      requests.push(req);
    }
  });
  process.stdout.write(`${JSON.stringify({ connected })}\n`);
  // Wait for the orchestrator to read the daemon's memory, then trigger one event.
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  sentAt = performance.now();
  const put = http.request(`${url}/v1/backends/app/default`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  put.end(JSON.stringify({ type: 'loopback' }));
  const deadline = Date.now() + 10_000;
  while (received.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  received.sort((a, b) => a - b);
  const pct = (p: number) => received[Math.min(received.length - 1, Math.floor(received.length * p))] ?? Number.NaN;
  process.stdout.write(`${JSON.stringify({ got: received.length, p50: pct(0.5), p99: pct(0.99), max: received.at(-1) ?? Number.NaN })}\n`);
  for (const r of requests) r.destroy();
  process.exit(0);
}
