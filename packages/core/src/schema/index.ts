// The schemas alone (zod, nothing of Node): what @endpointd/client and other browser code import.
export * from './api.js';
export * from './backend.js';
export * from './console.js';
export * from './daemon.js';
export * from './discovery.js';
export * from './endpoint.js';
export * from './exposure.js';
export * from './reason.js';
export * from './report.js';
