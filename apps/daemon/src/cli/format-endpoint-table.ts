import type { Endpoint, EndpointList, EndpointStatus } from '@endpointd/core';
import { describeClientReports } from './client-reports.js';
import type { Palette } from './colors.js';

export interface TableOptions {
  /** Show excluded addresses and provider reports. */
  all: boolean;
  palette: Palette;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

function statusText(status: EndpointStatus, p: Palette): string {
  switch (status) {
    case 'verified':
      return p.green(status);
    case 'unverified':
    case 'checking':
      return p.dim(status);
    default:
      return p.red(status);
  }
}

function httpsApp(e: Endpoint): string {
  const { chromium, firefox, safari } = e.browser;
  return `${e.browser.mixedContentSafe ? 'yes' : 'no'} (${chromium}/${firefox}/${safari})`;
}

function latency(e: Endpoint): string {
  return e.verification.latencyMs === null ? '-' : `${e.verification.latencyMs.toFixed(1)} ms`;
}

/** Renders an endpoint list as the human table of `endpoints list`. */
export function formatEndpointTable(list: EndpointList, { all, palette: p }: TableOptions): string {
  const lines: string[] = [];
  lines.push(`${p.bold(`Backend "${list.backend}"`)} on port ${list.port}`);
  if (list.notice) lines.push('', p.yellow(`! ${list.notice.hint}`));
  // SECURE PAGE: a page opened at the URL is a secure context; URL LIFE: whether the URL survives.
  const header = ['', 'TYPE', 'URL', 'STATUS', 'LATENCY', 'URL LIFE', 'SECURE PAGE', 'HTTPS APP (chromium/firefox/safari)'];
  const rows = list.endpoints.map((e) => [
    e.isDefault ? p.cyan('*') : ' ',
    e.type,
    e.url,
    statusText(e.status, p),
    latency(e),
    e.stability,
    e.browser.secureContext ? 'yes' : 'no',
    httpsApp(e),
  ]);
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  lines.push('');
  if (list.endpoints.length === 0) {
    lines.push('No endpoint candidates were found.');
  } else {
    lines.push(
      p.dim(
        header
          .map((h, i) => pad(h, widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      ),
    );
    list.endpoints.forEach((e, i) => {
      lines.push(
        (rows[i] ?? [])
          .map((cell, j) => pad(cell, widths[j] ?? 0))
          .join('  ')
          .trimEnd(),
      );
      if (e.verification.hint && !(list.notice && e.verification.reason === list.notice.reason)) {
        lines.push(`   ${p.dim('↳')} ${e.verification.hint}`);
      }
      if (e.connect) lines.push(`   ${p.dim('↳ connect with:')} ${e.connect.command}`);
      const reports = describeClientReports(e);
      if (reports) lines.push(`   ${p.dim('↳ devices:')} ${e.reports?.allFailed ? p.yellow(reports) : reports}`);
    });
  }
  lines.push('');
  const d = list.default;
  const chosen = list.endpoints.find((e) => e.id === d.endpointId);
  lines.push(chosen ? `Default: ${p.cyan(chosen.url)} (${d.type}). ${d.why}` : `Default: none. ${d.why}`);
  // A provider whose tool is simply not installed is normal, shown with --all; other trouble always.
  const unusableProviders = list.providers.filter((r) => !r.available && (all || r.reason !== 'not-installed'));
  for (const r of unusableProviders) lines.push(p.yellow(`! provider ${r.id}: ${r.hint ?? r.reason}`));
  if (all) {
    lines.push('', p.bold('Not listed:'));
    if (list.excluded.length === 0) lines.push('  (nothing excluded)');
    for (const x of list.excluded) lines.push(`  ${pad(x.interface, 12)} ${pad(x.address, 28)} ${x.kind}: ${x.why}`);
    lines.push('', p.bold('Providers:'));
    for (const r of list.providers) {
      lines.push(
        `  ${pad(r.id, 12)} ${r.available ? 'ok' : `unavailable (${r.reason})`}, ${r.candidates} candidate(s) in ${r.durationMs} ms`,
      );
    }
  } else if (list.excluded.length > 0) {
    lines.push(p.dim(`(${list.excluded.length} address(es) not listed: see --all)`));
  }
  lines.push(p.dim('Verified from this machine: a firewall or Wi-Fi client isolation can still block other devices.'));
  return `${lines.join('\n')}\n`;
}
