// Runs inside the bench namespace, where the daemon listens on loopback. Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const [mode = '', url = '', token = '', count = '1000'] = process.argv.slice(2);
const ROUND_S = 2;
const ROUNDS = 5;
const CONNECTIONS = 10;

async function measure(target: string, headers: Readonly<Record<string, string>>, durationS: number): Promise<number> {
  const result = await autocannon({ url: target, headers, connections: CONNECTIONS, duration: durationS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function startHello(payloadFile: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [new URL('./fixtures/hello-server.mjs', import.meta.url).pathname, payloadFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.on('data', (c: Buffer) => resolve(Number(/ready (\d+)/.exec(c.toString())?.[1]))),
  );
  return { port, stop: () => child.kill() };
}

if (mode === 'throughput') {
  const endpointsUrl = `${url}/v1/backends/app/endpoints`;
  const auth = { authorization: `Bearer ${token}` };
  const body = await fetch(endpointsUrl, { headers: auth }).then((r) => r.arrayBuffer());
  const payloadFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'endpoints.json');
  writeFileSync(payloadFile, Buffer.from(body));
  const hello = await startHello(payloadFile);
  try {
    const targets: Record<'daemon' | 'hello' | 'samePayload', { url: string; headers: Record<string, string> }> = {
      daemon: { url: endpointsUrl, headers: auth },
      hello: { url: `http://127.0.0.1:${hello.port}/hello`, headers: {} },
      samePayload: { url: `http://127.0.0.1:${hello.port}/payload`, headers: {} },
    };
    for (const t of Object.values(targets)) await measure(t.url, t.headers, 1); // warm-up
    // Alternating short rounds: this machine's speed drifts, so all sides see the same conditions.
    const rates = { daemon: [] as number[], hello: [] as number[], samePayload: [] as number[] };
    const vsHello: number[] = [];
    const vsPayload: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of ['daemon', 'hello', 'samePayload'] as const)
        rates[k].push(await measure(targets[k].url, targets[k].headers, ROUND_S));
      vsHello.push((rates.daemon.at(-1) ?? 0) / (rates.hello.at(-1) ?? 1));
      vsPayload.push((rates.daemon.at(-1) ?? 0) / (rates.samePayload.at(-1) ?? 1));
    }
    process.stdout.write(
      `${JSON.stringify({ bytes: body.byteLength, daemon: median(rates.daemon), hello: median(rates.hello), samePayload: median(rates.samePayload), vsHello: median(vsHello), vsPayload: median(vsPayload) })}\n`,
    );
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
} else if (mode === 'many') {
  // Forces a refresh of `count` backends (b0…) at once, 32 requests in flight, while /v1/health is
  // sampled back to back: how long verifying everything takes, and how responsive the daemon stays.
  const n = Number(count);
  const auth = { authorization: `Bearer ${token}` };
  const health: number[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const t0 = performance.now();
      await fetch(`${url}/v1/health`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = performance.now();
  let next = 0;
  let verified = 0;
  let endpoints = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, n) }, async () => {
      while (next < n) {
        const i = next++;
        const list = (await fetch(`${url}/v1/backends/b${i}/endpoints?refresh=true`, { headers: auth }).then((r) => r.json())) as {
          endpoints: Array<{ status: string }>;
        };
        endpoints += list.endpoints.length;
        verified += list.endpoints.filter((e) => e.status === 'verified').length;
      }
    }),
  );
  const totalMs = performance.now() - started;
  done = true;
  await sampler;
  health.sort((a, b) => a - b);
  const pct = (p: number) => health[Math.min(health.length - 1, Math.floor(health.length * p))] ?? Number.NaN;
  process.stdout.write(
    `${JSON.stringify({ totalMs, endpoints, verified, healthP50: pct(0.5), healthP99: pct(0.99), samples: health.length })}\n`,
  );
}
