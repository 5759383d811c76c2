export { createTailscaleProvider, type TailscaleProvider, TailscaleProviderOptions } from './provider.js';
export { HTTPS_PORTS, parseServeConfig, type ServeConfig, type ServeHandler, serveUrl, targetsPort } from './serve-config.js';
export { parseStatus, parseVersion, stateReason, type TailscaleStatus } from './status.js';
export {
  classifyStderr,
  createTailscaleCli,
  runTailscale,
  TAILSCALE,
  type TailscaleCli,
  TailscaleCliError,
  type TailscaleReason,
} from './tailscale-cli.js';
