export { createTailscaleProvider, type TailscaleProvider, TailscaleProviderOptions } from './provider.js';
export { TAILSCALE_HINTS, TailscaleReason } from './reasons.js';
export { HTTPS_PORTS, parseServeConfig, type ServeConfig, type ServeHandler, serveUrl, targetsPort } from './serve-config.js';
export { parseStatus, parseVersion, stateReason, type TailscaleStatus } from './status.js';
export { classifyStderr, runTailscale, TailscaleCliError, tailscaleBinary } from './tailscale-cli.js';
