// Bundles the executables into apps/daemon/dist, dependencies included: one module loads several
// times faster than a tree of them (zod alone is ~100 files) and costs less memory (the daemon's
// idle RSS drops from ~82 to ~66 MB). `import * as z` lets esbuild drop the parts of zod not used.
// - endpoints (CLI): commands that need heavy code (qrcode) import it lazily into their own chunk.
// - endpointd (daemon).
// - endpointd-relay (apps/relay/dist): the relay people run on a public machine.
// - client: the typed API client for GUIs (import 'endpointd/client'), as a library whose
//   third-party dependencies stay the consumer's.
// systeminformation and pino-pretty stay external: they are loaded lazily, only where needed.
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Nothing changed since the last build (every source, the lockfile and this script are older than
// the stamp): done, so `npm start` shows the table without rebuilding. --force rebuilds anyway.
const STAMP = 'apps/daemon/dist/.build-stamp';
const OUTPUTS = [
  'apps/daemon/dist/endpoints.js',
  'apps/daemon/dist/endpointd.js',
  'apps/daemon/dist/client.js',
  'apps/relay/dist/endpointd-relay.js',
];
function newestInput() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const root of ['packages', 'apps']) {
    for (const pkg of readdirSync(root)) {
      if (existsSync(join(root, pkg, 'src'))) visit(join(root, pkg, 'src'));
      if (existsSync(join(root, pkg, 'package.json'))) newest = Math.max(newest, statSync(join(root, pkg, 'package.json')).mtimeMs);
    }
  }
  for (const file of ['scripts/build.mjs', 'package.json', 'package-lock.json']) newest = Math.max(newest, statSync(file).mtimeMs);
  return newest;
}
const upToDate =
  !process.argv.includes('--force') && existsSync(STAMP) && OUTPUTS.every((o) => existsSync(o)) && statSync(STAMP).mtimeMs >= newestInput();
if (upToDate) process.exit(0);
const started = Date.now();
const { build } = await import('esbuild'); // loaded only when there is something to build

// Bundled CommonJS dependencies call require() and read __filename: give them both.
const nodeGlobals = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  conditions: ['source'],
  outdir: 'apps/daemon/dist',
  logLevel: 'warning',
  sourcemap: 'linked',
  external: ['systeminformation', 'pino-pretty'],
};

const thirdPartyExternal = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@endpointd/') || args.path.startsWith('node:') ? undefined : { path: args.path, external: true },
    );
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: { endpoints: 'apps/daemon/src/cli/endpoints.ts' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: `#!/usr/bin/env node\n${nodeGlobals}` },
  }),
  build({ ...common, entryPoints: { endpointd: 'apps/daemon/src/server.ts' }, banner: { js: `#!/usr/bin/env node\n${nodeGlobals}` } }),
  build({ ...common, entryPoints: { client: 'apps/daemon/src/client/index.ts' }, plugins: [thirdPartyExternal] }),
  // endpointd-relay: the public relay, its own app (runs on another machine than the daemon).
  build({
    ...common,
    outdir: 'apps/relay/dist',
    entryPoints: { 'endpointd-relay': 'apps/relay/src/main.ts' },
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
// Type declarations for `endpointd/client` (tsconfig.types.json): the client's and core's, the
// workspace import rewritten to a relative path, so the package needs no workspace package.
{
  const { spawnSync } = await import('node:child_process');
  const { readFileSync, rmSync } = await import('node:fs');
  const { dirname, relative } = await import('node:path');
  const typesDir = 'apps/daemon/dist/types';
  rmSync(typesDir, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('declaration build failed');
  const core = join(typesDir, 'packages/core/src/index.js');
  const rewrite = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) rewrite(path);
      else if (path.endsWith('.d.ts')) {
        const text = readFileSync(path, 'utf8');
        const rel = relative(dirname(path), core);
        const fixed = text.replaceAll("'@endpointd/core'", `'${rel.startsWith('.') ? rel : `./${rel}`}'`);
        if (fixed !== text) writeFileSync(path, fixed);
      }
    }
  };
  rewrite(typesDir);
}
// Stamped with the time the build started: a source saved during the build is newer, and rebuilds.
writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
utimesSync(STAMP, started / 1000, started / 1000);
