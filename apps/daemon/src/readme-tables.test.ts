import { readFileSync } from 'node:fs';
import { REASON_HINTS, Reason } from '@endpointd/core';
import { CLOUDFLARE_HINTS, CloudflareReason } from '@endpointd/provider-cloudflare';
import { RELAY_HINTS, RelayReason } from '@endpointd/provider-relay';
import { SSH_HINTS, SshReason } from '@endpointd/provider-ssh';
import { TAILSCALE_HINTS, TailscaleReason } from '@endpointd/provider-tailscale';
import { describe, expect, it } from 'vitest';

// Every reason a client can see has a hint, and the README's tables say exactly that: one check
// for all of them, each table between <!-- NAME:start --> and <!-- NAME:end -->.
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function tableRows(marker: string): Record<string, string> {
  const section = README.split(`<!-- ${marker}:start -->`)[1]?.split(`<!-- ${marker}:end -->`)[0] ?? '';
  // Tolerates the padding a Markdown formatter adds to table cells.
  const rows = [...section.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(.*?)\s*\|\s*$/gm)].map((m) => [m[1], m[2]?.replaceAll('\\|', '|')]);
  return Object.fromEntries(rows);
}

describe.each([
  ['reasons', Reason.options, REASON_HINTS],
  ['tailscale-reasons', TailscaleReason.options, TAILSCALE_HINTS],
  ['cloudflare-reasons', CloudflareReason.options, CLOUDFLARE_HINTS],
  ['relay-reasons', RelayReason.options, RELAY_HINTS],
  ['ssh-reasons', SshReason.options, SSH_HINTS],
] as const)('README table %s', (marker, reasons, hints) => {
  it('has one hint per reason of the enum', () => {
    expect(Object.keys(hints).sort()).toEqual([...reasons].sort());
  });
  it('lists every reason with its hint, and nothing else', () => {
    expect(tableRows(marker)).toEqual(hints);
  });
});
