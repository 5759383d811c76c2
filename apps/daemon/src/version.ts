import pkg from '../package.json' with { type: 'json' };

/** endpointd's version, from its package.json (bundled in at build time). */
export const VERSION: string = pkg.version;
