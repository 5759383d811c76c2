import { EndpointType, resolveDefault } from '@endpointd/core';
import { connect, selectBackend } from './daemon-session.js';
import { parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './usage-error.js';

export const QR_HELP = `Usage: endpoints qr [TYPE] [--backend NAME] [--json]

Prints a terminal QR code of the default endpoint (or of the best verified endpoint of TYPE),
with its URL under it, for opening the backend on a phone.
`;

/** `endpoints qr`. */
export async function runQr(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'qr';
  const { values, positionals } = parseOptions(cmd, args, { backend: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    out.write(QR_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError('expected at most one TYPE', cmd);
  let type: EndpointType | null = null;
  if (positionals[0] !== undefined) {
    const parsed = EndpointType.safeParse(positionals[0]);
    if (!parsed.success) throw new UsageError(`unknown type "${positionals[0]}"; one of: ${EndpointType.options.join(', ')}`, cmd);
    type = parsed.data;
  }
  const client = await connect();
  const name = await selectBackend(client, cmd, values.backend);
  const list = await client.endpoints(name);
  const resolution = type ? resolveDefault(list.endpoints, type) : list.default;
  const endpoint = list.endpoints.find((e) => e.id === resolution.endpointId && (type === null || e.type === type));
  if (!endpoint) {
    process.stderr.write(
      `endpoints qr: no verified ${type ?? 'default'} endpoint for "${name}". ${resolution.why}\nRun \`endpoints doctor\` to see why.\n`,
    );
    return EXIT_FAILED;
  }
  if (values.json) {
    out.write(`${JSON.stringify({ type: endpoint.type, url: endpoint.url, endpointId: endpoint.id })}\n`);
    return EXIT_OK;
  }
  // Loaded only here: the QR encoder is the CLI's largest dependency.
  const { default: qrcode } = await import('qrcode');
  // The terminal renderer draws with ANSI colours: only on a TTY without NO_COLOR; else plain blocks.
  const coloured = out.isTTY === true && !('NO_COLOR' in process.env);
  out.write(await qrcode.toString(endpoint.url, coloured ? { type: 'terminal', small: true } : { type: 'utf8' }));
  out.write(`${endpoint.url}  (${endpoint.type}${endpoint.browser.mixedContentSafe ? ', usable from HTTPS pages' : ''})\n`);
  return EXIT_OK;
}
