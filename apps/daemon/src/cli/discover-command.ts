import { createServiceDiscovery, type DiscoveredService } from '@endpointd/core';
import { parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK } from './usage-error.js';

export const DISCOVER_HELP = `Usage: endpoints discover [--json]

Lists the TCP services listening on this machine (this network namespace): port, bound
addresses, the process (where the OS lets you see it) and what it is (T3 Code, OpenCode, Agent
Orchestrator, Vite, Next.js, another HTTP server, or not HTTP). Runs in this process; the daemon
is not needed. Adopt one with \`endpoints backends add --from-discovered PORT\`.

Options:
  --json       print the services as JSON
  -h, --help   show this help
`;

/** A table of discovered services, one line each, for people. */
export function formatDiscovered(services: readonly DiscoveredService[]): string {
  if (services.length === 0) return 'Nothing listens here (besides system services).\n';
  const rows = services.map((s) => [
    String(s.port),
    s.bind === 'all-interfaces' ? 'all interfaces' : s.bind === 'loopback-only' ? 'loopback only' : s.addresses.join(', '),
    s.app.label,
    s.pid === null ? '-' : String(s.pid),
    s.command ?? '(another user’s)',
    s.cwd ?? '',
  ]);
  const header = ['PORT', 'BOUND TO', 'WHAT', 'PID', 'COMMAND', 'FOLDER'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Discovers in this process (no daemon needed); null where sockets cannot be read. */
export async function discoverHere(): Promise<DiscoveredService[] | null> {
  return await createServiceDiscovery().list();
}

/** `endpoints discover [--json]`. */
export async function runDiscover(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const { values } = parseOptions('discover', args, { json: { type: 'boolean' } });
  if (values.help) {
    out.write(DISCOVER_HELP);
    return EXIT_OK;
  }
  const services = await discoverHere();
  if (services === null) {
    process.stderr.write('endpoints discover: listening sockets cannot be read on this system (no /proc)\n');
    return EXIT_FAILED;
  }
  out.write(values.json ? `${JSON.stringify(services, null, 2)}\n` : formatDiscovered(services));
  return EXIT_OK;
}
