import { BACKEND_FLAG_HELP, BACKEND_FLAG_OPTIONS, backendFromFlags } from './backend-flags.js';
import { connect } from './daemon-session.js';
import { parseInteger, parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './usage-error.js';

export const BACKENDS_HELP = `Usage: endpoints backends list [--json]
       endpoints backends add NAME --port N [options]
       endpoints backends add [NAME] --from-discovered PORT|PID
       endpoints backends remove NAME

Manages the daemon's backends. Backends added here are saved in $ENDPOINTD_HOME/state.json;
those given to endpointd with --backend or in its config file cannot be removed here.

Options of add:
  --port N            the backend's TCP port (required unless --from-discovered)
  --from-discovered X adopt a service \`endpoints discover\` shows, by port (or pid): its label
                      and identity check come with it; NAME defaults to its suggested name
${BACKEND_FLAG_HELP}`;

/** `endpoints backends list|add|remove`. */
export async function runBackends(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const [action, ...rest] = args;
  const cmd = `backends${action && !action.startsWith('-') ? ` ${action}` : ''}`;
  if (action === undefined || action === '--help' || action === '-h') {
    out.write(BACKENDS_HELP);
    if (action === undefined) throw new UsageError('expected list, add or remove', 'backends');
    return EXIT_OK;
  }
  if (action === 'list') {
    const { values } = parseOptions(cmd, rest, { json: { type: 'boolean' } });
    if (values.help) {
      out.write(BACKENDS_HELP);
      return EXIT_OK;
    }
    const backends = await (await connect()).backends();
    if (values.json) out.write(`${JSON.stringify(backends, null, 2)}\n`);
    else if (backends.length === 0) out.write('No backends. Add one with `endpoints backends add NAME --port N`.\n');
    else
      for (const b of backends)
        out.write(
          `${b.name.padEnd(20)} port ${String(b.port).padEnd(6)} ${b.source}${b.customUrls.length ? `, ${b.customUrls.length} custom URL(s)` : ''}\n`,
        );
    return EXIT_OK;
  }
  if (action === 'add') {
    const { values, positionals } = parseOptions(
      cmd,
      rest,
      { port: { type: 'string' }, json: { type: 'boolean' }, 'from-discovered': { type: 'string' }, ...BACKEND_FLAG_OPTIONS },
      true,
    );
    if (values.help) {
      out.write(BACKENDS_HELP);
      return EXIT_OK;
    }
    if (values['from-discovered'] !== undefined) {
      const n = parseInteger(cmd, '--from-discovered', values['from-discovered'], 1, 4_194_304) as number;
      if (values.port !== undefined) throw new UsageError('--from-discovered takes the port from the service: drop --port', cmd);
      if (positionals.length > 1) throw new UsageError('expected at most one NAME', cmd);
      const client = await connect();
      const services = (await client.discovered()) ?? [];
      const byPort = services.find((s) => s.port === n);
      const byPid = services.find((s) => s.pid === n);
      if (!byPort && !byPid) throw new UsageError(`nothing discovered on port or pid ${n}: see \`endpoints discover\``, cmd);
      const added = await client.adopt({ ...(byPort ? { port: n } : { pid: n }), ...(positionals[0] ? { name: positionals[0] } : {}) });
      out.write(
        values.json
          ? `${JSON.stringify(added, null, 2)}\n`
          : `Added backend "${added.name}" on port ${added.port} (${(byPort ?? byPid)?.app.label}, identity ${added.identity.kind}).\n`,
      );
      return EXIT_OK;
    }
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('expected exactly one NAME', cmd);
    const port = parseInteger(cmd, '--port', values.port, 1, 65_535);
    if (port === undefined) throw new UsageError('--port N is required', cmd);
    const added = await (await connect()).addBackend(backendFromFlags(cmd, name, port, values));
    out.write(values.json ? `${JSON.stringify(added, null, 2)}\n` : `Added backend "${added.name}" on port ${added.port}.\n`);
    return EXIT_OK;
  }
  if (action === 'remove') {
    const { values, positionals } = parseOptions(cmd, rest, {}, true);
    if (values.help) {
      out.write(BACKENDS_HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError('expected exactly one NAME', cmd);
    const removal = await (await connect()).removeBackend(positionals[0]);
    const stopped = removal.stoppedExposures.length ? ` Stopped its exposures: ${removal.stoppedExposures.join(', ')}.` : '';
    out.write(`Removed backend "${removal.backend}".${stopped}\n`);
    for (const f of removal.failedStops) out.write(`Could not stop ${f.type}: ${f.error}\n`);
    return removal.failedStops.length ? EXIT_FAILED : EXIT_OK;
  }
  throw new UsageError(`unknown action "${action}" (list, add or remove)`, 'backends');
}
