// npm run bench: each figure beside a baseline measured in the same run. Needs root (netns).
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { addNamespace, deleteNamespace, ip, nft } from '../tests/helpers/netns.js';
import { ENDPOINTS_BIN, REPO_ROOT, type RunningBackend, startBackend } from '../tests/helpers/processes.js';

const NS = `epd-bench${process.pid % 10_000}`;
const WALL_RUNS = 15;
const BACKEND_DELAY_MS = 100;
const DROP_TIMEOUT_MS = 1_000;

interface Row {
  benchmark: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function wallMs(argv: string[]): number {
  const started = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', NS, ...argv], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return performance.now() - started;
}

function medianWall(argv: string[]): number {
  wallMs(argv);
  wallMs(argv);
  return median(Array.from({ length: WALL_RUNS }, () => wallMs(argv)));
}

async function inNamespace(args: string[]): Promise<Record<string, number>> {
  const { stdout } = await execa('ip', [
    'netns',
    'exec',
    NS,
    process.execPath,
    '--conditions=source',
    '--import',
    'tsx',
    `${REPO_ROOT}bench/in-namespace.ts`,
    ...args,
  ]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

const f = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('npm run bench builds a network namespace: run it as root');
  await addNamespace(NS);
  const backends: RunningBackend[] = [];
  const rows: Row[] = [];
  try {
    // A LAN with eight addresses on one veth (peer end kept up for carrier), IPv4 and IPv6.
    await ip('-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
    for (let i = 1; i <= 6; i++) await ip('-n', NS, 'addr', 'add', `10.77.9.${i}/24`, 'dev', 'eth0');
    for (let i = 1; i <= 2; i++) await ip('-n', NS, 'addr', 'add', `fd00:79::${i}/64`, 'dev', 'eth0', 'nodad');
    await ip('-n', NS, 'link', 'set', 'eth0', 'up');
    await ip('-n', NS, 'link', 'set', 'peer0', 'up');

    const fast = await startBackend(NS, ['--host', '::', '--id', 'fast']);
    backends.push(fast);
    const baseline = medianWall([process.execPath, '-e', '0']);
    const oneShot = medianWall([process.execPath, ENDPOINTS_BIN, 'list', '--port', String(fast.port), '--json']);
    rows.push({
      benchmark: 'one-shot `endpoints list --port N --json` (10 candidates, wall)',
      measured: f(oneShot),
      baseline: `${f(baseline)} (node -e 0)`,
      ratio: `${(oneShot / baseline).toFixed(2)}×`,
      target: '≤ 3×',
      ok: oneShot <= 3 * baseline,
    });

    const slow = await startBackend(NS, ['--host', '::', '--id', 'slow', '--delay', String(BACKEND_DELAY_MS)]);
    backends.push(slow);
    const c = await inNamespace([String(slow.port), 'concurrency']);
    const budget = 1.2 * (c.slowestProbeMs ?? 0) + 20;
    rows.push({
      benchmark: `discovery + verification, ${c.candidates} candidates, backend answers in ${BACKEND_DELAY_MS} ms`,
      measured: f(c.totalMs ?? 0),
      baseline: `${f(c.slowestProbeMs ?? 0)} (slowest single probe)`,
      ratio: `${((c.totalMs ?? 0) / (c.slowestProbeMs ?? 1)).toFixed(2)}×`,
      target: `≤ 1.2× + 20 ms = ${f(budget)}`,
      ok: (c.totalMs ?? 0) <= budget,
    });

    const clean = await inNamespace([String(fast.port), 'drop', String(DROP_TIMEOUT_MS)]);
    await ip('-n', NS, 'addr', 'add', '10.77.9.99/24', 'dev', 'eth0');
    await nft(NS, 'table inet epdbench {\n  chain input {\n    type filter hook input priority 0;\n    ip daddr 10.77.9.99 drop\n  }\n}\n');
    const dropped = await inNamespace([String(fast.port), 'drop', String(DROP_TIMEOUT_MS)]);
    rows.push({
      benchmark: `one candidate's packets dropped (probe timeout ${DROP_TIMEOUT_MS} ms): total`,
      measured: `${f(dropped.totalMs ?? 0)} (${dropped.timedOut} timed out)`,
      baseline: `${f(DROP_TIMEOUT_MS)} (probe timeout)`,
      ratio: `${((dropped.totalMs ?? 0) / DROP_TIMEOUT_MS).toFixed(2)}×`,
      target: '≤ timeout + 100 ms',
      ok: (dropped.totalMs ?? 0) <= DROP_TIMEOUT_MS + 100 && dropped.timedOut === 1,
    });
    rows.push({
      benchmark: "…the other candidates' slowest latency",
      measured: `${f(dropped.othersMaxLatencyMs ?? 0)} (${dropped.verified} verified)`,
      baseline: `${f(clean.othersMaxLatencyMs ?? 0)} (no dropped candidate)`,
      ratio: `${((dropped.othersMaxLatencyMs ?? 0) / (clean.othersMaxLatencyMs || 1)).toFixed(2)}×`,
      target: 'not delayed (≪ timeout)',
      ok: (dropped.othersMaxLatencyMs ?? 0) < DROP_TIMEOUT_MS / 4,
    });
  } finally {
    await Promise.all(backends.map((b) => b.stop()));
    await deleteNamespace(NS);
  }
  printTable(rows);
}

function printTable(rows: Row[]): void {
  const header: Row = {
    benchmark: 'benchmark',
    measured: 'measured',
    baseline: 'baseline (same run)',
    ratio: 'ratio',
    target: 'target',
    ok: true,
  };
  const cols = ['benchmark', 'measured', 'baseline', 'ratio', 'target'] as const;
  const widths = cols.map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
  const line = (r: Row, mark: string) => `${cols.map((k, i) => r[k].padEnd(widths[i] ?? 0)).join(' | ')} | ${mark}`;
  const out = [
    line(header, 'ok'),
    `${widths.map((w) => '-'.repeat(w)).join('-|-')}-|---`,
    ...rows.map((r) => line(r, r.ok ? 'yes' : 'NO')),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
