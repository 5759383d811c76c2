export { classifyLogLines, hostnameFromBanner, redactLogLine } from './log-lines.js';
export { CloudflareProviderOptions, createCloudflareProvider } from './provider.js';
export { CLOUDFLARE_HINTS, CloudflareReason } from './reasons.js';
