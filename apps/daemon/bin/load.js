// What the committed bin entries share: npm links them at install time, before the build has run;
// they load the bundle (dist/, made by `npm run build` or the root install's prepare step).
import module from 'node:module';

/** Loads dist/NAME.js, or says how to build it when it is not there. */
export async function load(name) {
  // Node >= 22.1 keeps the compiled bundle on disk: later starts skip most of the parsing.
  module.enableCompileCache?.();
  try {
    await import(`../dist/${name}.js`);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(`/dist/${name}.js`)) {
      process.stderr.write(`${name}: not built yet: run \`npm run build\` in the endpointd checkout\n`);
      process.exit(1);
    }
    throw err;
  }
}
