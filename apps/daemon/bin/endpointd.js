#!/usr/bin/env node
// Committed entry point: npm links it as a bin at install time, before the build has run; it
// loads the bundle (dist/, made by `npm run build` or the root install's prepare step).
import module from 'node:module';

// Node >= 22.1 keeps the compiled bundle on disk: later starts skip most of the parsing.
module.enableCompileCache?.();
try {
  await import('../dist/endpointd.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/endpointd.js')) {
    process.stderr.write('endpointd: not built yet: run `npm run build` in the endpointd checkout\n');
    process.exit(1);
  }
  throw err;
}
