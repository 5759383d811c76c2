import { EndpointdApiError, type EndpointdClient } from '@endpointd/client';
import { type Exposure, type ExposureOptions, ExposureType, formatIssues } from '@endpointd/core';
import { connect, selectBackend } from './daemon-session.js';
import { parseDuration, parseInteger, parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from './usage-error.js';

export const ENABLE_HELP = `Usage: endpoints enable TYPE [options] [--backend NAME]

Sets up an exposure so the backend becomes reachable, supervised by the daemon, and waits until
it is verified (or fails, or needs your approval).

  tailscale-serve   [--https-port N]                       HTTPS within your tailnet
  tailscale-funnel  --yes [--https-port N]                 HTTPS on the public internet
  cloudflare-quick                                         a random *.trycloudflare.com URL
  cloudflare-named  (--token-file F | --credentials-file F --tunnel ID) --hostname H
  ssh-reverse       --host [USER@]HOST [--remote-port N] [--public-url URL]
  relay             --relay-url URL --token-file F [--name NAME]   through your endpointd-relay

Options:
  --for DURATION     stop it after this long: 90s, 30m, 1h, 8h, 2d (the daemon does, also after a restart)
  --backend NAME     the daemon's backend (optional when it has one)
  --wait SECONDS     how long to wait for the result (default 90; 0: do not wait)
  --json             print the exposure as JSON
  -h, --help         show this help
`;

export const DISABLE_HELP = `Usage: endpoints disable TYPE [--backend NAME] [--json]

Stops an exposure endpointd set up and removes only what it added.
`;

const SETTLED = new Set(['active', 'failed', 'needs-approval', 'stopped']);

function describe(x: Exposure): string {
  switch (x.state) {
    case 'active':
      return `${x.type} is active: ${x.endpoint?.url ?? ''}\n${x.expiresAt ? `It stops at ${x.expiresAt}.\n` : ''}`;
    case 'needs-approval':
      return `${x.type} needs approval: open ${x.approvalUrl ?? '(no link given)'}\nIt becomes active by itself once approved.\n`;
    case 'failed':
      return `${x.type} failed: ${x.error ?? x.reason ?? 'unknown error'}${x.hint ? `\n${x.hint}` : ''}\n`;
    default:
      return `${x.type} is ${x.state}.\n`;
  }
}

/** Waits on the event stream for the exposure to settle; the stream is opened before the request so no event is missed. */
async function enableAndWait(
  client: EndpointdClient,
  backend: string,
  type: ExposureType,
  options: ExposureOptions,
  waitMs: number,
  expiresInMs: number | undefined,
): Promise<Exposure> {
  const enable = () => client.enable(backend, type, options, expiresInMs === undefined ? {} : { expiresInMs });
  if (waitMs === 0) return await enable();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), waitMs);
  const stream = client.events({ backend, signal: controller.signal });
  const first = stream.next(); // connects before the request is sent
  first.catch(() => undefined); // awaited below; when the wait is aborted first, the rejection is expected
  try {
    let latest = await enable();
    if (SETTLED.has(latest.state)) return latest;
    for (let next = await first; !next.done; next = await stream.next()) {
      const e = next.value;
      if (e.event === 'exposure' && e.data.type === type) {
        latest = e.data;
        if (SETTLED.has(latest.state)) return latest;
      }
    }
    return latest;
  } catch (err) {
    if (controller.signal.aborted) return (await client.exposures(backend)).find((x) => x.type === type) ?? (await enable());
    throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The providers' option names as the flags that set them, for errors in the user's terms. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  httpsPort: '--https-port',
  confirmPublic: '--yes',
  tokenFile: '--token-file',
  credentialsFile: '--credentials-file',
  tunnelId: '--tunnel',
  hostname: '--hostname',
  host: '--host',
  remotePort: '--remote-port',
  publicUrl: '--public-url',
  relayUrl: '--relay-url',
  name: '--name',
};

/** A 400 about the options becomes a usage error that names the flags (exit 2). */
function inFlagTerms(err: unknown): unknown {
  if (!(err instanceof EndpointdApiError) || err.code !== 'ENDPOINTD_VALIDATION' || !err.issues?.length) return err;
  const issues = err.issues.map(({ path, message }) => ({
    path,
    message: Object.entries(FLAG_OF_OPTION).reduce((m, [option, flag]) => m.replace(new RegExp(`\\b${option}\\b`, 'g'), flag), message),
  }));
  const flag = (path: string[]) => (path[0] === 'options' && path[1] ? (FLAG_OF_OPTION[path[1]] ?? `--${path[1]}`) : null);
  return new UsageError(formatIssues(issues, flag), 'enable');
}

/** `endpoints enable TYPE`. */
export async function runEnable(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'enable';
  const { values, positionals } = parseOptions(
    cmd,
    args,
    {
      backend: { type: 'string' },
      json: { type: 'boolean' },
      wait: { type: 'string' },
      for: { type: 'string' },
      'https-port': { type: 'string' },
      yes: { type: 'boolean' },
      'token-file': { type: 'string' },
      'credentials-file': { type: 'string' },
      tunnel: { type: 'string' },
      hostname: { type: 'string' },
      host: { type: 'string' },
      'remote-port': { type: 'string' },
      'public-url': { type: 'string' },
      'relay-url': { type: 'string' },
      name: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    out.write(ENABLE_HELP);
    return EXIT_OK;
  }
  const [given, ...extra] = positionals;
  const parsed = ExposureType.safeParse(given);
  if (!parsed.success || extra.length) throw new UsageError(`expected one TYPE: ${ExposureType.options.join(', ')}`, cmd);
  const type = parsed.data;
  if (type === 'tailscale-funnel' && !values.yes) {
    throw new UsageError('tailscale-funnel puts the backend on the public internet: pass --yes to confirm', cmd);
  }
  // Flag names map one-to-one onto the providers' option names.
  const options: ExposureOptions = {};
  const httpsPort = parseInteger(cmd, '--https-port', values['https-port'], 1, 65_535);
  if (httpsPort !== undefined) options.httpsPort = httpsPort;
  if (values.yes) options.confirmPublic = true;
  if (values['token-file']) options.tokenFile = values['token-file'];
  if (values['credentials-file']) options.credentialsFile = values['credentials-file'];
  if (values.tunnel) options.tunnelId = values.tunnel;
  if (values.hostname) options.hostname = values.hostname;
  if (values.host) options.host = values.host;
  const remotePort = parseInteger(cmd, '--remote-port', values['remote-port'], 1, 65_535);
  if (remotePort !== undefined) options.remotePort = remotePort;
  if (values['public-url']) options.publicUrl = values['public-url'];
  if (values['relay-url']) options.relayUrl = values['relay-url'];
  if (values.name) options.name = values.name;
  const waitMs = (parseInteger(cmd, '--wait', values.wait, 0, 3_600) ?? 90) * 1_000;
  const expiresInMs = values.for === undefined ? undefined : parseDuration(cmd, '--for', values.for);

  const client = await connect();
  const backend = await selectBackend(client, cmd, values.backend);
  const exposure = await enableAndWait(client, backend, type, options, waitMs, expiresInMs).catch((err: unknown) => {
    throw inFlagTerms(err);
  });
  out.write(values.json ? `${JSON.stringify(exposure, null, 2)}\n` : describe(exposure));
  return exposure.state === 'failed' ? EXIT_FAILED : EXIT_OK;
}

/** `endpoints disable TYPE`. */
export async function runDisable(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'disable';
  const { values, positionals } = parseOptions(cmd, args, { backend: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    out.write(DISABLE_HELP);
    return EXIT_OK;
  }
  const parsed = ExposureType.safeParse(positionals[0]);
  if (!parsed.success || positionals.length !== 1) throw new UsageError(`expected one TYPE: ${ExposureType.options.join(', ')}`, cmd);
  const client = await connect();
  const backend = await selectBackend(client, cmd, values.backend);
  const exposure = await client.disable(backend, parsed.data);
  out.write(values.json ? `${JSON.stringify(exposure, null, 2)}\n` : describe(exposure));
  return EXIT_OK;
}
