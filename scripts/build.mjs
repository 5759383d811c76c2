// Bundles each executable, dependencies included, into one file: a single module loads several
// times faster than a tree of them (zod alone is ~100 files), and the one-shot CLI's start-up
// time is a benchmarked figure. `import * as z` lets esbuild drop the parts of zod not used.
// systeminformation stays external: it is loaded lazily, only where /proc is missing.

import { build } from 'esbuild';

const entries = [{ in: 'apps/daemon/src/cli/endpoints.ts', out: 'apps/daemon/dist/endpoints' }];

await build({
  entryPoints: entries,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  external: ['systeminformation'],
  outdir: '.',
  logLevel: 'warning',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
});
