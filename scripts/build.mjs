// Bundles the executables into apps/daemon/dist.
// - endpoints (CLI): everything in one file, because a single module loads several times faster
//   than a tree of them (zod alone is ~100 files) and the one-shot CLI's start-up time is a
//   benchmarked figure. `import * as z` lets esbuild drop the parts of zod not used. Commands
//   that need heavy code (qrcode) import it lazily into their own chunk.
// - client: the typed API client for GUIs (import 'endpointd/client').
// - endpointd (daemon): workspace packages bundled, third-party packages loaded from
//   node_modules as usual (start-up time matters little for a long-running process).
// systeminformation always stays external: it is loaded lazily, only where /proc is missing.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  outdir: 'apps/daemon/dist',
  logLevel: 'warning',
  sourcemap: 'linked',
  // Bundled CommonJS dependencies (qrcode) call require(): give them one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
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
    external: ['systeminformation'],
  }),
  build({ ...common, entryPoints: { endpointd: 'apps/daemon/src/server.ts' }, plugins: [thirdPartyExternal] }),
  // The typed client for GUIs, as a library: its dependencies stay the consumer's.
  build({ ...common, banner: {}, entryPoints: { client: 'apps/daemon/src/client/index.ts' }, plugins: [thirdPartyExternal] }),
]);
