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
  'apps/daemon/dist/console/app.js',
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
  // @endpointd/client: for browsers, Electron and Node alike (platform neutral: no Node built-in
  // may be imported), zod left to the consumer.
  build({
    ...common,
    platform: 'neutral',
    outdir: 'packages/client/dist',
    entryPoints: { index: 'packages/client/src/index.ts' },
    mainFields: ['module', 'main'],
    plugins: [thirdPartyExternal],
  }),
  // endpointd-relay: the public relay, its own app (runs on another machine than the daemon).
  // The web console: one browser bundle, served by the daemon with a strict CSP (no inline script).
  build({
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    entryPoints: { app: 'apps/console/src/main.ts' },
    outdir: 'apps/daemon/dist/console',
  }).then(async () => {
    const { copyFileSync } = await import('node:fs');
    copyFileSync('apps/console/src/index.html', 'apps/daemon/dist/console/index.html');
    copyFileSync('apps/console/src/app.css', 'apps/daemon/dist/console/app.css');
  }),
  build({
    ...common,
    outdir: 'apps/relay/dist',
    entryPoints: { 'endpointd-relay': 'apps/relay/src/main.ts' },
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
// Type declarations: @endpointd/client's (with core's schemas) and endpointd/client's (with core),
// each package self-contained: the workspace imports rewritten to relative paths.
{
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { dirname, relative } = await import('node:path');
  const emitTypes = (files, outDir, rewrites, options = {}) => {
    rmSync(outDir, { recursive: true, force: true });
    const root = process.cwd();
    // Inside the repository, so type libraries (@types/node) resolve as from the root config.
    const config = join(mkdtempSync(join(root, 'node_modules/.cache-endpointd-types-')), 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: {
          noEmit: false,
          declaration: true,
          emitDeclarationOnly: true,
          rootDir: root,
          outDir: join(root, outDir),
          ...options,
        },
        include: [],
        files: files.map((f) => join(root, f)),
      }),
    );
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config], { stdio: 'inherit' });
    rmSync(dirname(config), { recursive: true, force: true });
    if (tsc.status !== 0) throw new Error(`declaration build failed for ${outDir}`);
    const visit = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (path.endsWith('.d.ts')) {
          const text = readFileSync(path, 'utf8');
          let fixed = text;
          for (const [specifier, target] of Object.entries(rewrites)) {
            const rel = relative(dirname(path), join(outDir, target));
            fixed = fixed.replaceAll(`'${specifier}'`, `'${rel.startsWith('.') ? rel : `./${rel}`}'`);
          }
          if (fixed !== text) writeFileSync(path, fixed);
        }
      }
    };
    visit(outDir);
  };
  const schemaIndex = 'packages/core/src/schema/index.js';
  // Browser globals (fetch, AbortSignal), no Node types: what a GUI project compiles against.
  emitTypes(
    ['packages/client/src/index.ts', 'packages/core/src/schema/index.ts'],
    'packages/client/dist/types',
    { '@endpointd/core/schema': schemaIndex },
    { lib: ['es2023', 'dom'], types: [] },
  );
  emitTypes(
    ['apps/daemon/src/client/index.ts', 'packages/client/src/index.ts', 'packages/core/src/index.ts', 'packages/core/src/schema/index.ts'],
    'apps/daemon/dist/types',
    {
      '@endpointd/core/schema': schemaIndex,
      '@endpointd/core': 'packages/core/src/index.js',
      '@endpointd/client': 'packages/client/src/index.js',
    },
  );
}
// Stamped with the time the build started: a source saved during the build is newer, and rebuilds.
writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
utimesSync(STAMP, started / 1000, started / 1000);
