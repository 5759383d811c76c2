export { CLOUDFLARED, type Cloudflared, cloudflaredHint, createCloudflared, type TunnelSpec } from './cloudflared.js';
export { classifyLogLines, hostnameFromBanner, redactLogLine } from './log-lines.js';
export { CloudflareProviderOptions, createCloudflareProvider } from './provider.js';
