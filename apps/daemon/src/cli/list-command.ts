import type { EndpointList } from '@endpointd/core';
import { BACKEND_FLAG_HELP, BACKEND_FLAG_OPTIONS } from './backend-flag-options.js';
import { createPalette } from './colors.js';
import { formatEndpointTable } from './format-endpoint-table.js';
import { parseInteger, parseOptions } from './parse-options.js';
import { selectBackend } from './select-backend.js';
import { EXIT_OK, UsageError } from './usage-error.js';

export const LIST_HELP = `Usage: endpoints list [--backend NAME | --port N] [options]

Lists every way a backend can be reached, each candidate verified. Asks the running daemon; with
--port N it discovers and verifies in this process instead (no daemon needed). With neither, it
lists what listens on this machine and exits 2 with the command to run.

Options:
  --backend NAME      the daemon's backend (optional when it has one); with --port, a display name
  --port N            one-shot discovery for the backend on TCP port N, without the daemon
  --json              print the contract's JSON instead of a table
  --all               also show addresses that were excluded, and why, and provider reports
  --no-verify         list candidates without probing them (status "unverified")
  --refresh           make the daemon re-discover and re-verify now
  --timeout MS        per-probe timeout in milliseconds, with --port (default: 2000)
${BACKEND_FLAG_HELP}  -h, --help          show this help
`;

/** `endpoints list`: from the daemon, or one-shot in this process with --port. */
export async function runList(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'list';
  const { values } = parseOptions(cmd, args, {
    port: { type: 'string', short: 'p' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    'no-verify': { type: 'boolean' },
    refresh: { type: 'boolean' },
    timeout: { type: 'string' },
    ...BACKEND_FLAG_OPTIONS,
  });
  if (values.help) {
    out.write(LIST_HELP);
    return EXIT_OK;
  }
  const port = parseInteger(cmd, '--port', values.port, 1, 65_535);
  let list: EndpointList;
  if (port !== undefined) {
    const timeoutMs = parseInteger(cmd, '--timeout', values.timeout, 50, 60_000);
    // The one-shot machinery (registry, providers) loads only here: listing from the daemon is fast.
    const [{ createRegistry, parseConnectTo }, { createBuiltinProviders }, { backendFromFlags }] = await Promise.all([
      import('@endpointd/core'),
      import('../builtin-providers.js'),
      import('./backend-flags.js'),
    ]);
    const backend = backendFromFlags(cmd, values.backend ?? `port-${port}`, port, values);
    let connectTo: import('@endpointd/core').ConnectToMap;
    try {
      connectTo = parseConnectTo(process.env.ENDPOINTD_CONNECT_TO);
    } catch (err) {
      throw new UsageError((err as Error).message, cmd);
    }
    const registry = createRegistry({
      providers: createBuiltinProviders(),
      connectTo,
      ...(timeoutMs ? { probeTimeoutMs: timeoutMs } : {}),
    });
    list = await registry.discover(backend, { verify: !values['no-verify'] });
  } else {
    for (const flag of ['timeout', 'probe-path', 'identity', 'websocket', 'custom'] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} goes with --port (the daemon keeps these per backend: see \`endpoints backends add\`)`, cmd);
    }
    const { connectRaw } = await import('./raw-daemon.js');
    const client = connectRaw();
    let name: string;
    try {
      name = await selectBackend(client, cmd, values.backend);
    } catch (err) {
      // Neither --port nor a backend of a running daemon: show what listens here and how to pick.
      const noBackend =
        (err instanceof Error && err.name === 'DaemonUnreachableError') ||
        (err instanceof UsageError && /no backend yet/.test(err.message));
      if (!noBackend || values.backend !== undefined) throw err;
      const { discoverHere, formatDiscovered } = await import('./discover-command.js');
      const services = (await discoverHere())?.filter((s) => s.app.id !== 'tcp') ?? [];
      const daemonNote =
        err instanceof Error && err.name === 'DaemonUnreachableError'
          ? `${err.message}; start it with \`endpoints daemon start --backend NAME=PORT\` to keep lists verified, or `
          : '';
      if (services.length === 0) throw new UsageError(`${daemonNote}give --port N (nothing that speaks HTTP listens here yet)`, cmd);
      out.write(`Which backend? These listen here:\n\n${formatDiscovered(services)}\n`);
      throw new UsageError(`${daemonNote}choose one: endpoints list --port ${services[0]?.port ?? 'N'}`, cmd);
    }
    list = await client.endpoints(name, { refresh: values.refresh === true, verify: !values['no-verify'] });
  }
  out.write(
    values.json
      ? `${JSON.stringify(list, null, 2)}\n`
      : formatEndpointTable(list, { all: values.all === true, palette: createPalette(out) }),
  );
  return EXIT_OK;
}
