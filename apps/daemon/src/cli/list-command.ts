import {
  Backend,
  type BackendInput,
  CustomUrl,
  createRegistry,
  type EndpointList,
  parseConnectTo,
  parseIdentitySpec,
} from '@endpointd/core';
import type { z } from 'zod';
import { createBuiltinProviders } from '../builtin-providers.js';
import { createPalette } from './colors.js';
import { formatEndpointTable } from './format-endpoint-table.js';
import { parseInteger, parseOptions } from './parse-options.js';
import { EXIT_OK, UsageError } from './usage-error.js';

export const LIST_HELP = `Usage: endpoints list --port N [options]

Lists every way the backend on port N can be reached, each candidate verified.

Options:
  --port N            the backend's TCP port (one-shot discovery, no daemon needed)
  --backend NAME      name to show for the backend (default: port-N)
  --json              print the contract's JSON instead of a table
  --all               also show addresses that were excluded, and why, and provider reports
  --no-verify         list candidates without probing them (status "unverified")
  --probe-path P      path to GET when verifying (default: /)
  --identity SPEC     fingerprint (default) | none | header:NAME[=VALUE] | json-field:/PATH#FIELD
  --websocket PATH    also check a WebSocket upgrade at PATH
  --custom URL        also verify this URL as a custom endpoint (repeatable)
  --timeout MS        per-probe timeout in milliseconds (default: 2000)
  -h, --help          show this help
`;

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** `endpoints list`: one-shot discovery in this process. */
export async function runList(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'list';
  const { values } = parseOptions(cmd, args, {
    port: { type: 'string', short: 'p' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    'no-verify': { type: 'boolean' },
    'probe-path': { type: 'string' },
    identity: { type: 'string' },
    websocket: { type: 'string' },
    custom: { type: 'string', multiple: true },
    timeout: { type: 'string' },
  });
  if (values.help) {
    out.write(LIST_HELP);
    return EXIT_OK;
  }
  const port = parseInteger(cmd, '--port', values.port, 1, 65_535);
  if (port === undefined) {
    throw new UsageError('--port N is required (the daemon, which will know its backends by name, is not available yet)', cmd);
  }
  const timeoutMs = parseInteger(cmd, '--timeout', values.timeout, 50, 60_000);
  const input: BackendInput = { name: values.backend ?? `port-${port}`, port };
  if (values['probe-path'] !== undefined) input.probePath = values['probe-path'];
  if (values.websocket !== undefined) input.websocketPath = values.websocket;
  if (values.identity !== undefined) {
    const parsed = parseIdentitySpec(values.identity);
    if (!parsed.success) throw new UsageError(`--identity ${values.identity}: ${zodMessage(parsed.error)}`, cmd);
    input.identity = parsed.data;
  }
  if (values.custom) {
    input.customUrls = values.custom.map((url) => {
      const parsed = CustomUrl.safeParse({ url });
      if (!parsed.success) throw new UsageError(`--custom ${url}: ${zodMessage(parsed.error)}`, cmd);
      return parsed.data;
    });
  }
  const backend = Backend.safeParse(input);
  if (!backend.success) throw new UsageError(zodMessage(backend.error), cmd);

  let connectTo: ReturnType<typeof parseConnectTo>;
  try {
    connectTo = parseConnectTo(process.env.ENDPOINTD_CONNECT_TO);
  } catch (err) {
    throw new UsageError((err as Error).message, cmd);
  }
  const registry = createRegistry({ providers: createBuiltinProviders(), connectTo, ...(timeoutMs ? { probeTimeoutMs: timeoutMs } : {}) });
  const list: EndpointList = await registry.discover(backend.data, { verify: !values['no-verify'] });
  out.write(
    values.json
      ? `${JSON.stringify(list, null, 2)}\n`
      : formatEndpointTable(list, { all: values.all === true, palette: createPalette(out) }),
  );
  return EXIT_OK;
}
