import { connect } from './daemon-session.js';
import { formatEvent } from './format-event.js';
import { parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK } from './usage-error.js';

export const WATCH_HELP = `Usage: endpoints watch [--backend NAME] [--json]

Prints the current state of each backend at once (a snapshot), then the daemon's events as they
happen (endpoints, default, exposure, provider, discovered) until Ctrl-C.

Options:
  --backend NAME   only this backend's events
  --json           one JSON object per line: {"event", "data"}
  -h, --help       show this help
`;

/** `endpoints watch`: follows the event stream. */
export async function runWatch(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const { values } = parseOptions('watch', args, { backend: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    out.write(WATCH_HELP);
    return EXIT_OK;
  }
  const client = await connect();
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const event of client.events({ ...(values.backend ? { backend: values.backend } : {}), signal: controller.signal })) {
      out.write(values.json ? `${JSON.stringify(event)}\n` : `${formatEvent(event)}\n`);
    }
  } catch (err) {
    if (controller.signal.aborted) return EXIT_OK;
    throw err;
  }
  if (controller.signal.aborted) return EXIT_OK;
  process.stderr.write('endpoints watch: the daemon closed the stream (it stopped?)\n');
  return EXIT_FAILED;
}
