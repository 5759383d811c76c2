import { VERSION } from '../version.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

const HELP = `Usage: endpoints <command> [options]

Every way this machine's backends can be reached from another device, each one verified.

Commands:
  list       list and verify a backend's endpoints (list --port N works without the daemon)
  discover   what listens on this machine, named (T3 Code, Vite, …), to pick a backend from
  watch      follow the daemon's events
  default    show, set or clear the default endpoint type
  backends   list, add or remove the daemon's backends
  enable     set up an exposure (Tailscale Serve/Funnel, Cloudflare tunnel, SSH reverse forward)
  disable    stop an exposure
  qr         a QR code of the default endpoint
  doctor     what works, what does not, and what to do about it
  daemon     start (in the background, returning once it answers), stop or status of endpointd
  open       open the web console (a one-time login link; --print-url prints it)
  sessions   list or end the web console's sessions; rotate the token

Run 'endpoints <command> --help' for a command's options, 'endpoints --version' for the version.
The daemon is \`endpointd\`.
`;

type Command = (args: string[], out: NodeJS.WriteStream) => Promise<number>;
// Each command's code loads only when it runs: the CLI starts with little more than Node itself.
const COMMANDS: Record<string, () => Promise<Command>> = {
  list: async () => (await import('./list-command.js')).runList,
  discover: async () => (await import('./discover-command.js')).runDiscover,
  watch: async () => (await import('./watch-command.js')).runWatch,
  default: async () => (await import('./default-command.js')).runDefault,
  backends: async () => (await import('./backends-command.js')).runBackends,
  enable: async () => (await import('./enable-command.js')).runEnable,
  disable: async () => (await import('./enable-command.js')).runDisable,
  qr: async () => (await import('./qr-command.js')).runQr,
  doctor: async () => (await import('./doctor-command.js')).runDoctor,
  daemon: async () => (await import('./daemon-command.js')).runDaemon,
  open: async () => (await import('./console-command.js')).runOpen,
  sessions: async () => (await import('./console-command.js')).runSessions,
};

/** Runs the CLI and returns its exit code; never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`endpoints ${VERSION}\n`);
    return EXIT_OK;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const load = COMMANDS[command];
  const run = load !== undefined;
  try {
    if (!load) throw new UsageError(`unknown command "${command}"`, '');
    return await (await load())(rest, process.stdout);
  } catch (err) {
    const where = err instanceof UsageError && err.command ? `endpoints ${err.command}` : `endpoints ${run ? command : ''}`.trim();
    if (err instanceof UsageError) {
      process.stderr.write(`${where}: ${err.message}\nRun '${where} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof Error && err.name === 'DaemonUnreachableError') {
      process.stderr.write(
        `${where}: ${err.message}.\nStart it with \`endpoints daemon start --backend NAME=PORT\` (or \`endpointd service install\`), or run \`endpoints list --port N\` for a one-shot list without it.\n`,
      );
      return EXIT_FAILED;
    }
    if (err instanceof Error && err.name === 'EndpointdApiError') {
      const api = err as Error & { hint?: string };
      process.stderr.write(`${where}: ${api.message}${api.hint ? `\n${api.hint}` : ''}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`${where}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.ENDPOINTD_DEBUG) console.error(err);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
