// Runs inside the bench namespace, where the daemon listens on loopback. Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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
  // `count` subscribers, each a raw TCP connection with a minimal request; arrival of the
  // `default` event is detected in the raw bytes (an HTTP client per socket would make this
  // process the bottleneck). Prints {connected}, then on "go" waits for every arrival and prints
  // their times as epoch ms (performance.timeOrigin + now), comparable across processes; on
  // "go put" it also triggers the event and prints when.
  const n = Number(count);
  const target = new URL(url);
  const arrivals: number[] = [];
  let armed = false;
  let connected = 0;
  const sockets: net.Socket[] = [];
  const request = `GET /v1/events?backend=app HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = (method: 'GET' | 'PUT', body?: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(`${url}/v1/backends/app/default`, {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  const marker = Buffer.from('event: default');
  const readBuffer = Buffer.alloc(64 * 1024);
  const all = new Promise<void>((resolveAll) => {
    const arrived = () => arrivals.length === n && resolveAll();
    void new Promise<void>((resolve, reject) => {
      for (let i = 0; i < n; i++) {
        let open = false;
        let seen = false;
        let tail = Buffer.alloc(0);
        // onread with one buffer for all sockets: no allocation per read, so this process stays
        // cheaper than the daemon it measures (a reader per socket is what each real client has).
        const socket = net.connect({
          host: target.hostname,
          port: Number(target.port),
          onread: {
            buffer: readBuffer,
            callback: (size: number, buf: Buffer) => {
              if (!open) {
                if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 200'))
                  reject(new Error(`subscriber ${i}: ${buf.subarray(0, Math.min(size, 40))}`));
                open = true;
                if (++connected === n) resolve();
              }
              if (!seen && armed) {
                // The marker may straddle two reads: the end of the previous one is kept.
                const data = tail.length > 0 ? Buffer.concat([tail, buf.subarray(0, size)]) : buf.subarray(0, size);
                if (data.includes(marker)) {
                  seen = true;
                  arrivals.push(performance.timeOrigin + performance.now());
                  arrived();
                } else tail = Buffer.from(data.subarray(Math.max(0, data.length - marker.length + 1)));
              }
              return true;
            },
          },
        });
        socket.once('connect', () => socket.write(request));
        socket.on('error', reject);
        sockets.push(socket);
      }
    })
      // A GUI that makes a change has its connection and code warm: so has the one that PUTs.
      .then(() => call('GET'))
      .then(() => process.stdout.write(`${JSON.stringify({ connected })}\n`));
  });
  const go = await new Promise<string>((resolve) => process.stdin.once('data', (d: Buffer) => resolve(d.toString())));
  armed = true;
  // "go put": this client also makes the change (PUT the default type), from inside the namespace.
  let sentAt: number | null = null;
  if (go.includes('put')) {
    sentAt = performance.timeOrigin + performance.now();
    void call('PUT', JSON.stringify({ type: 'loopback' }));
  }
  await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
  process.stdout.write(`${JSON.stringify({ sentAt, arrivals })}\n`);
  for (const s of sockets) s.destroy();
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
