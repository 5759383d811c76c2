import { describe, expect, it } from 'vitest';
import { classifyLogLines, hostnameFromBanner, redactLogLine } from './log-lines.js';

const BANNER = [
  '2026-03-04T15:15:00Z INF Requesting new quick Tunnel on trycloudflare.com...',
  '2026-03-04T15:15:00Z ERR retrying: Post "https://api.trycloudflare.com/tunnel": timeout',
  '2026-03-04T15:15:01Z INF +--------------------------------------------------------------------------------------------+',
  '2026-03-04T15:15:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |',
  '2026-03-04T15:15:01Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                                      |',
  '2026-03-04T15:15:01Z INF +--------------------------------------------------------------------------------------------+',
  '2026-03-04T15:15:01Z INF Thank you for trying Cloudflare Tunnel ... (https://www.cloudflare.com/website-terms/) ... https://developers.cloudflare.com/cloudflare-one/connections/connect-networks',
];

describe('cloudflared log lines', () => {
  it('finds the quick tunnel hostname inside the banner box only', () => {
    expect(hostnameFromBanner(BANNER)).toBe('seasonal-deck-organisms-sf.trycloudflare.com');
    expect(hostnameFromBanner([BANNER[1] ?? '', BANNER[6] ?? ''])).toBeNull();
    expect(hostnameFromBanner(['INF |  https://api.trycloudflare.com  |'])).toBeNull();
  });
  it.each([
    ['ERR Error unmarshaling QuickTunnel response: error code: 1015 error="429 Too Many Requests"', 'rate-limited'],
    ['ERR failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup: no such host', 'no-network'],
    ['failed to start the metrics server: listen tcp 127.0.0.1:20241: bind: address already in use', 'metrics-port-busy'],
    ['Provided Tunnel token is not valid.', 'tunnel-bad-token'],
    ["Tunnel credentials file '/x.json' doesn't exist or is not a file", 'tunnel-bad-credentials'],
    ['panic: runtime error: invalid memory address', 'exited-early'],
  ] as const)('classifies %s as %s', (line, reason) => {
    expect(classifyLogLines(['INF Starting tunnel', line])).toBe(reason);
  });
  it('redacts secrets before lines are kept for doctor', () => {
    expect(redactLogLine('INF token=eyJhIjoiYWNjdCIsInQiOiJ0dW5uZWwiLCJzIjoic2VjcmV0In0 connIndex=0')).not.toMatch(/eyJh/);
    expect(redactLogLine('TunnelSecret: c2VjcmV0LXZhbHVlLWxvbmc=')).toBe('TunnelSecret: [redacted]');
  });
});
