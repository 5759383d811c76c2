import { runList } from './list-command.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

const HELP = `Usage: endpoints <command> [options]

Every way this machine's backends can be reached from another device, each one verified.

Commands:
  list      list and verify the endpoints of a backend (endpoints list --port 3000)

Run 'endpoints <command> --help' for a command's options.
`;

const COMMANDS: Record<string, (args: string[], out: NodeJS.WriteStream) => Promise<number>> = {
  list: runList,
};

/** Runs the CLI and returns its exit code; never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`, '');
    return await run(rest, process.stdout);
  } catch (err) {
    if (err instanceof UsageError) {
      const where = err.command ? `endpoints ${err.command}` : 'endpoints';
      process.stderr.write(`${where}: ${err.message}\nRun '${where} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`endpoints: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.ENDPOINTD_DEBUG) console.error(err);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
