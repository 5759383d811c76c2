import { spawn } from 'node:child_process';
import { connect } from './daemon-session.js';
import { parseOptions } from './parse-options.js';
import { EXIT_OK, UsageError } from './usage-error.js';

export const OPEN_HELP = `Usage: endpoints open [--print-url]

Opens the web console in your browser with a one-time login link (it works once, within a
minute, and sets a session cookie; the token never reaches the page).

  --print-url   print the link instead of opening a browser
`;

export const SESSIONS_HELP = `Usage: endpoints sessions [list] [--json]
       endpoints sessions revoke ID | --all

Lists the web console's sessions, or ends one or all of them. Rotating the token
(\`endpoints sessions rotate-token\`) ends them all too and writes a new $ENDPOINTD_HOME/token.
`;

/** The platform's "open this URL" command, as an argv array (never a shell). */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** `endpoints open`. */
export async function runOpen(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'open';
  const { values, positionals } = parseOptions(cmd, args, { 'print-url': { type: 'boolean' } }, true);
  if (values.help) {
    out.write(OPEN_HELP);
    return EXIT_OK;
  }
  if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`, cmd);
  const client = await connect();
  const link = await client.consoleLink();
  if (values['print-url']) {
    out.write(`${link.url}\n`);
    return EXIT_OK;
  }
  const [command, argv] = opener(link.url);
  const opened = await new Promise<boolean>((resolve) => {
    const child = spawn(command, argv, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  out.write(
    opened
      ? 'Opened the console in your browser (the link works once, within a minute).\n'
      : `Open this link in your browser within a minute (it works once):\n${link.url}\n`,
  );
  return EXIT_OK;
}

/** `endpoints sessions`. */
export async function runSessions(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const cmd = 'sessions';
  const { values, positionals } = parseOptions(cmd, args, { json: { type: 'boolean' }, all: { type: 'boolean' } }, true);
  if (values.help) {
    out.write(SESSIONS_HELP);
    return EXIT_OK;
  }
  const [action = 'list', id, ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`, cmd);
  const client = await connect();
  switch (action) {
    case 'list': {
      if (id !== undefined) throw new UsageError(`unexpected "${id}"`, cmd);
      const sessions = await client.sessions();
      if (values.json) out.write(`${JSON.stringify({ sessions }, null, 2)}\n`);
      else if (sessions.length === 0) out.write('No console sessions. `endpoints open` starts one.\n');
      else
        for (const s of sessions)
          out.write(`${s.id}  opened ${s.createdAt}  last seen ${s.lastSeenAt}  ${s.userAgent ?? ''}\n`.replace(/ +\n$/, '\n'));
      return EXIT_OK;
    }
    case 'revoke': {
      if (Boolean(values.all) === (id !== undefined)) throw new UsageError('give one session ID or --all', cmd);
      if (values.all) {
        const { revoked } = await client.revokeSessions();
        out.write(`Ended ${revoked} console session${revoked === 1 ? '' : 's'}.\n`);
      } else {
        await client.revokeSession(id as string);
        out.write(`Ended console session ${id}.\n`);
      }
      return EXIT_OK;
    }
    case 'rotate-token': {
      const { revoked } = await client.rotateToken();
      out.write(`Wrote a new token to $ENDPOINTD_HOME/token; the old one no longer works. Ended ${revoked} console session(s).\n`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown action "${action}": list, revoke or rotate-token`, cmd);
  }
}
