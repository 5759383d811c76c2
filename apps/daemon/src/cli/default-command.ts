import { type DefaultResolution, EndpointType } from '@endpointd/core';
import { connect, selectBackend } from './daemon-session.js';
import { parseOptions } from './parse-options.js';
import { EXIT_OK, UsageError } from './usage-error.js';

export const DEFAULT_HELP = `Usage: endpoints default [TYPE | --clear] [--backend NAME] [--json]

Shows, sets or clears the backend's default endpoint type. A type is saved, never an address, so
the choice survives IP changes; when the type has no verified endpoint, another is used and the
answer says so.

Types: ${EndpointType.options.join(', ')}

Options:
  --clear          forget the saved type (automatic choice: lan, tailscale-serve, …)
  --backend NAME   the daemon's backend (optional when it has one)
  --json           print the resolution as JSON
  -h, --help       show this help
`;

function describe(d: DefaultResolution): string {
  const saved = d.requestedType ? `saved type ${d.requestedType}` : 'no saved type';
  return `Default: ${d.type ?? 'none'} (${saved}${d.fallback ? ', fallback' : ''}). ${d.why}\n`;
}

/** `endpoints default`. */
export async function runDefault(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'default';
  const { values, positionals } = parseOptions(
    cmd,
    args,
    { clear: { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    out.write(DEFAULT_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`expected one TYPE, got ${positionals.length}`, cmd);
  const [given] = positionals;
  if (given !== undefined && values.clear) throw new UsageError('give a TYPE or --clear, not both', cmd);
  let type: EndpointType | undefined;
  if (given !== undefined) {
    const parsed = EndpointType.safeParse(given);
    if (!parsed.success) throw new UsageError(`unknown type "${given}"; one of: ${EndpointType.options.join(', ')}`, cmd);
    type = parsed.data;
  }
  const client = await connect();
  const name = await selectBackend(client, cmd, values.backend);
  const resolution = values.clear
    ? await client.clearDefault(name)
    : type
      ? await client.setDefault(name, type)
      : await client.getDefault(name);
  out.write(values.json ? `${JSON.stringify(resolution, null, 2)}\n` : describe(resolution));
  return EXIT_OK;
}
