import type { Reason } from '@endpointd/core';

/** cloudflared logs one line each on stderr: the last lines are kept so an early exit can explain itself. */
export const KEPT_LOG_LINES = 20;

// Most specific first, on cloudflared's own wording.
const RULES: ReadonlyArray<readonly [RegExp, Reason]> = [
  [/error code: 1015|429 Too Many Requests/i, 'rate-limited'],
  [/failed to request quick Tunnel|no such host|network is unreachable/i, 'no-network'],
  [/metrics server.*address already in use|bind: address already in use/i, 'metrics-port-busy'],
  [/Provided Tunnel token is not valid/i, 'tunnel-bad-token'],
  [
    /credentials file .* doesn't exist|last ingress rule must match all URLs|Invalid tunnel secret|Unauthorized: Invalid tunnel/i,
    'tunnel-bad-credentials',
  ],
];

/** The reason an exited cloudflared's last lines point to. */
export function classifyLogLines(lines: readonly string[]): Reason {
  const text = lines.join('\n');
  for (const [pattern, reason] of RULES) if (pattern.test(text)) return reason;
  return 'exited-early';
}

// Only a URL inside the banner box counts: the same output holds api.trycloudflare.com in error
// lines and other https:// URLs in the disclaimer.
const BANNER_URL = /\|\s+https:\/\/([a-z0-9-]+\.trycloudflare\.com)\s+\|/i;

/** Fallback when the metrics server does not answer: the quick tunnel's hostname from the banner. */
export function hostnameFromBanner(lines: readonly string[]): string | null {
  for (const line of lines) {
    const host = BANNER_URL.exec(line)?.[1]?.toLowerCase();
    if (host && host !== 'api.trycloudflare.com') return host;
  }
  return null;
}

/** Drops the secret-looking parts of a log line before it is kept for `doctor`. */
export function redactLogLine(line: string): string {
  return line
    .replace(/(token|secret|TunnelSecret|AccountTag)(["'=:\s]+)[A-Za-z0-9+/=_-]{8,}/gi, '$1$2[redacted]')
    .replace(/eyJ[A-Za-z0-9+/=_-]{20,}/g, '[redacted]');
}
