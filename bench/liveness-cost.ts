// Runs inside the bench's namespace: the cost of one liveness read (/proc/net/tcp{,6}) beside the
// interface poll's os.networkInterfaces(), medians of many reads. Prints JSON.
import { networkInterfaces } from 'node:os';
import { listeningSockets } from '@endpointd/core';

const RUNS = 500;

async function medianMs(task: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await task();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const procMs = await medianMs(() => listeningSockets(0));
const interfacesMs = await medianMs(() => networkInterfaces());
process.stdout.write(`${JSON.stringify({ procMs, interfacesMs })}\n`);
