// Bundles each executable into one file: a single module loads several times faster than a tree
// of them, and the one-shot CLI's start-up time is a benchmarked figure.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const entries = [{ in: 'apps/daemon/src/cli/endpoints.ts', out: 'apps/daemon/dist/endpoints' }];

const pkg = JSON.parse(readFileSync('apps/daemon/package.json', 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !name.startsWith('@endpointd/'));

await build({
  entryPoints: entries,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  external: [...external, 'systeminformation'],
  outdir: '.',
  logLevel: 'warning',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
});
