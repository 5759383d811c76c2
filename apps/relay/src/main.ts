import { lstatSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NAME_PATTERN } from '@endpointd/provider-relay';
import { type RelayMode, startRelay } from './relay.js';

const HELP = `Usage: endpointd-relay --listen HOST:PORT --agent-token-file FILE (--base-domain DOMAIN | --single NAME) [options]

Forwards public HTTP, SSE and WebSocket traffic to endpointd agents that connect to it outbound.

  --listen HOST:PORT        where to listen (put a TLS proxy such as nginx or Caddy in front)
  --agent-token-file FILE   tokens agents authenticate with, one per line (mode 0600; at least 16 characters)
  --base-domain DOMAIN      serve each agent's name as NAME.DOMAIN (a wildcard DNS record and certificate)
  --single NAME             serve one backend on the whole relay
  --public-url URL          scheme, host and port the public uses (e.g. https://relay.example.com)
  --password-file FILE      ask the public for this password (HTTP Basic; mode 0600)
  --trust-proxy ADDR        believe X-Forwarded-For/-Proto from this peer (repeatable; e.g. 127.0.0.1)
  -h, --help                show this help
`;

class UsageError extends Error {}

/** Reads a secret file: a regular file (not a link), not readable by group or others. */
function readSecretFile(flag: string, path: string): string[] {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    throw new UsageError(`${flag}: ${path} does not exist`);
  }
  if (!st.isFile()) throw new UsageError(`${flag}: ${path} must be a regular file (not a link or a folder)`);
  if ((st.mode & 0o077) !== 0) throw new UsageError(`${flag}: ${path} is readable by others: run chmod 600 ${path}`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function parse(argv: string[]) {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        'agent-token-file': { type: 'string' },
        'base-domain': { type: 'string' },
        single: { type: 'string' },
        'public-url': { type: 'string' },
        'password-file': { type: 'string' },
        'trust-proxy': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^.*?: /, ''));
  }
  if (values.help) return null;
  const listen = String(values.listen ?? '');
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  if (!m?.[1] || Number(m[2]) > 65_535) throw new UsageError('--listen HOST:PORT is required (e.g. 127.0.0.1:8080)');
  const tokenFile = values['agent-token-file'];
  if (typeof tokenFile !== 'string') throw new UsageError('--agent-token-file FILE is required');
  const tokens = readSecretFile('--agent-token-file', tokenFile);
  if (tokens.length === 0 || tokens.some((t) => t.length < 16))
    throw new UsageError('--agent-token-file: each token needs at least 16 characters');
  const base = values['base-domain'];
  const single = values.single;
  if ((base === undefined) === (single === undefined)) throw new UsageError('give exactly one of --base-domain DOMAIN and --single NAME');
  let mode: RelayMode;
  if (typeof single === 'string') {
    if (!NAME_PATTERN.test(single)) throw new UsageError('--single NAME must be one DNS label (a-z, 0-9, -)');
    mode = { single };
  } else {
    if (!/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(String(base))) {
      throw new UsageError('--base-domain must be a DNS name such as relay.example.com');
    }
    mode = { baseDomain: String(base).toLowerCase() };
  }
  const publicUrl = values['public-url'];
  if (typeof publicUrl === 'string' && !URL.canParse(publicUrl))
    throw new UsageError('--public-url must be a URL such as https://relay.example.com');
  const passwordFile = values['password-file'];
  const password = typeof passwordFile === 'string' ? readSecretFile('--password-file', passwordFile)[0] : undefined;
  if (typeof passwordFile === 'string' && !password) throw new UsageError('--password-file is empty');
  return {
    host: m[1].replace(/^\[|\]$/g, ''),
    port: Number(m[2]),
    agentTokens: tokens,
    mode,
    ...(typeof publicUrl === 'string' ? { publicUrl } : {}),
    ...(password ? { password } : {}),
    trustedProxies: (values['trust-proxy'] as string[] | undefined) ?? [],
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`endpointd-relay: ${err.message}\nRun endpointd-relay --help for usage.\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  let relay: Awaited<ReturnType<typeof startRelay>>;
  try {
    relay = await startRelay({ ...options, log });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(
      `endpointd-relay: cannot listen on ${options.host}:${options.port}${code === 'EADDRINUSE' ? ': the port is in use' : code === 'EACCES' ? ': permission denied (ports below 1024 need privileges)' : ''}\n`,
    );
    return 1;
  }
  log({ level: 'info', msg: 'listening', listen: `${options.host}:${relay.port}` });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await relay.close();
  return 0;
}

process.exitCode = await main();
