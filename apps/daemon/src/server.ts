import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { redactSecrets } from '@endpointd/core';
import pino from 'pino';
import { buildApp } from './app.js';
import { writeFileAtomicSync } from './atomic-file.js';
import type { StaticBackend } from './backend-book.js';
import { parseOptions } from './cli/parse-options.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './cli/usage-error.js';
import { ConfigError, loadConfigFile } from './config-file.js';
import { createDaemon } from './daemon.js';
import { DEFAULT_LISTEN, isLoopbackListen, parseBackendFlag, parseListen } from './daemon-flags.js';
import { HOME_FILES, resolveHome, UnsafeHomeError } from './home.js';
import { AlreadyRunningError, acquireInstanceLock } from './instance-lock.js';
import { runService } from './service-unit.js';
import { ensureToken } from './token.js';
import { VERSION } from './version.js';

export const DAEMON_HELP = `Usage: endpointd [options]
       endpointd service install|uninstall [options]

The endpointd daemon: keeps every backend's endpoints verified and serves them to GUIs and the
\`endpoints\` CLI over a JSON API on loopback (token in $ENDPOINTD_HOME/token).

Options:
  --listen HOST:PORT     address to listen on (default ${DEFAULT_LISTEN}; loopback only)
  --allow-non-loopback   really listen on a non-loopback address (the API is then reachable from the network)
  --backend NAME=PORT    a backend to serve (repeatable)
  --config FILE          JSON config: listen, backends, allowedOrigins, plugins, reverifyIntervalMs, tunnelStall,
                         publicDnsServers
  --allow-origin ORIGIN  a browser origin allowed to call the API, with CORS (repeatable)
  --log-level LEVEL      fatal|error|warn|info|debug (default info)
  -v, --version          print the version
  -h, --help             show this help

Environment: ENDPOINTD_HOME (state folder), ENDPOINTD_CONNECT_TO, ENDPOINTD_*_BIN.
`;

const SHUTDOWN_TIMEOUT_MS = 15_000;

/** Runs the daemon until SIGTERM/SIGINT; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'service') return await runService(argv.slice(1));
  const cmd = '';
  const { values } = parseOptions(cmd, argv, {
    listen: { type: 'string' },
    'allow-non-loopback': { type: 'boolean' },
    backend: { type: 'string', multiple: true },
    config: { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    'log-level': { type: 'string' },
    version: { type: 'boolean', short: 'v' },
  });
  if (values.help) {
    process.stdout.write(DAEMON_HELP);
    return EXIT_OK;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const level = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level))
    throw new UsageError(`--log-level must be one of fatal, error, warn, info, debug, got "${level}"`, cmd);
  const config = values.config ? loadConfigFile(values.config) : {};
  const listen = parseListen(values.listen ?? config.listen ?? DEFAULT_LISTEN, cmd);
  // Secrets never reach the log: the token is not logged, and headers are redacted if ever serialised.
  // pino-pretty only on a terminal, loaded only then: a service logs JSON and saves the memory.
  const sink = process.stderr.isTTY
    ? (await import('pino-pretty')).default({ destination: 2, colorize: !('NO_COLOR' in process.env) })
    : pino.destination(2);
  const logger = pino(
    { level, redact: ['req.headers.authorization', 'headers.authorization', '*.token'] },
    // Secrets by value too (the token, token files' contents), whatever field or message holds them.
    { write: (line: string) => sink.write(redactSecrets(line)) },
  );
  if (!isLoopbackListen(listen.host)) {
    if (!values['allow-non-loopback']) {
      throw new UsageError(
        `refusing to listen on ${listen.host}, which is not loopback: pass --allow-non-loopback if you really mean to expose the API`,
        cmd,
      );
    }
    logger.warn({ host: listen.host }, 'listening on a non-loopback address: the API (token-protected) is reachable from the network');
  }

  const backends: StaticBackend[] = [
    ...(config.backends ?? []).map((backend) => ({ backend, source: 'config' as const })),
    ...(values.backend ?? []).map((b) => ({ backend: parseBackendFlag(b, cmd), source: 'flag' as const })),
  ];
  const home = resolveHome();
  const release = acquireInstanceLock(home);
  const addressFile = join(home, HOME_FILES.address);
  try {
    const token = ensureToken(home);
    const daemon = await createDaemon({
      home,
      backends,
      plugins: config.plugins ?? [],
      pluginBaseDir: values.config ? dirname(resolve(values.config)) : process.cwd(),
      ...(config.reverifyIntervalMs ? { reverifyIntervalMs: config.reverifyIntervalMs } : {}),
      ...(config.maxBackends ? { maxBackends: config.maxBackends } : {}),
      ...(config.maxSubscribers ? { maxSubscribers: config.maxSubscribers } : {}),
      ...(config.maxProbesInFlight ? { maxProbesInFlight: config.maxProbesInFlight } : {}),
      ...(config.discovery !== undefined ? { discovery: config.discovery } : {}),
      ...(config.autoAdopt ? { autoAdopt: config.autoAdopt } : {}),
      ...(config.tunnelStall ? { tunnelStall: config.tunnelStall } : {}),
      ...(config.publicDnsServers ? { publicDnsServers: config.publicDnsServers } : {}),
    });
    for (const problem of daemon.problems) logger.warn({ code: problem.code, hint: problem.hint }, problem.message);
    // Port 0 picks a free port: the Host check needs the real one, known only after listen.
    let port = listen.port;
    const app = await buildApp({
      daemon,
      token,
      get port() {
        return port;
      },
      listenHost: listen.host,
      allowedOrigins: [...(config.allowedOrigins ?? []).map((o) => new URL(o).origin), ...(values['allow-origin'] ?? [])],
      logger,
    });
    try {
      await app.listen({ host: listen.host, port: listen.port });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        process.stderr.write(`endpointd: ${listen.host}:${listen.port} is already in use; pass --listen ${listen.host}:OTHER_PORT\n`);
        await daemon.close();
        return EXIT_FAILED;
      }
      throw err;
    }
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : listen.port;
    const url = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;
    // Atomic: a CLI starting at this moment must never read half a file.
    writeFileAtomicSync(addressFile, `${JSON.stringify({ url, pid: process.pid, version: VERSION })}\n`);
    logger.info({ url, home, backends: daemon.book.list().map((b) => b.name) }, 'endpointd listening');

    await new Promise<void>((resolveStop) => {
      // Listeners stay registered (process.on, not once): with none left, signal-exit (used by
      // execa to clean up children) would re-raise the signal and kill the daemon mid-shutdown.
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(EXIT_FAILED);
        }
        stopping = true;
        logger.info({ signal }, 'shutting down');
        resolveStop();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    const forced = setTimeout(() => process.exit(EXIT_FAILED), SHUTDOWN_TIMEOUT_MS);
    forced.unref();
    daemon.hub.close();
    await app.close();
    await daemon.close();
    return EXIT_OK;
  } finally {
    rmSync(addressFile, { force: true });
    release();
  }
}

async function run(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`endpointd: ${err.message}\nRun 'endpointd --help' for usage.\n`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof UnsafeHomeError) {
      process.stderr.write(`endpointd: refusing to start: ${err.message}\n`);
      process.exitCode = EXIT_FAILED;
    } else if (err instanceof AlreadyRunningError) {
      process.stderr.write(`endpointd: ${err.message}. Stop it first, or set ENDPOINTD_HOME to another folder.\n`);
      process.exitCode = EXIT_FAILED;
    } else {
      process.stderr.write(`endpointd: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_FAILED;
    }
  }
}

await run();
// Everything the daemon owns is closed by now; what may still hold the event loop (a DNS lookup
// of a probe that timed out runs on in libuv's thread pool for as long as the resolver takes)
// must not keep a stopped daemon alive.
process.exit();
