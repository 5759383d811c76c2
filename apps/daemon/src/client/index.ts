// endpointd/client: @endpointd/client (the browser-safe client), plus what a Node program on
// this machine needs to find the local daemon (its home, token and address) and a node:http
// transport.
export * from '@endpointd/client';
export { connectLocalDaemon, localDaemonUrl } from './local-daemon.js';
export { nodeHttpTransport } from './node-transport.js';
