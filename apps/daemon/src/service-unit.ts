import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from './cli/parse-options.js';
import { EXIT_OK, UsageError } from './cli/usage-error.js';

export const SERVICE_HELP = `Usage: endpointd service install [endpointd options] | uninstall

Writes (or removes) a per-user service that starts endpointd at login and restarts it if it
exits: a systemd user unit on Linux, a launchd agent on macOS. The options after "install" are
passed to endpointd (e.g. --backend app=3000). Nothing is started: the command prints how.
`;

const LAUNCHD_LABEL = 'dev.endpointd.daemon';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// systemd splits ExecStart on spaces; quote each word and escape what systemd would interpret.
function systemdQuote(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export interface ServiceFile {
  path: string;
  content: string;
  start: string;
  stop: string;
}

/** The unit or plist for this platform, running `node <this script> <args>`. */
export function buildServiceFile(platform: NodeJS.Platform, args: string[], env: NodeJS.ProcessEnv = process.env): ServiceFile {
  const command = [process.execPath, process.argv[1] ?? 'endpointd', ...args];
  if (platform === 'darwin') {
    const path = join(homedir(), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const home = env.ENDPOINTD_HOME
      ? `  <key>EnvironmentVariables</key>\n  <dict><key>ENDPOINTD_HOME</key><string>${xmlEscape(env.ENDPOINTD_HOME)}</string></dict>\n`
      : '';
    const content = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${command.map((a) => `    <string>${xmlEscape(a)}</string>`).join('\n')}
  </array>
${home}  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>StandardErrorPath</key><string>${xmlEscape(join(homedir(), 'Library', 'Logs', 'endpointd.log'))}</string>
</dict>
</plist>
`;
    return { path, content, start: `launchctl load -w ${path}`, stop: `launchctl unload -w ${path}` };
  }
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const path = join(configHome, 'systemd', 'user', 'endpointd.service');
  const content = `[Unit]
Description=endpointd: every way your local backends can be reached, verified
After=network-online.target

[Service]
ExecStart=${command.map(systemdQuote).join(' ')}
${env.ENDPOINTD_HOME ? `Environment=${systemdQuote(`ENDPOINTD_HOME=${env.ENDPOINTD_HOME}`)}\n` : ''}Restart=on-failure
RestartSec=2
# SIGTERM is a graceful shutdown: exposures are torn down, state is saved.
KillSignal=SIGTERM
TimeoutStopSec=20

[Install]
WantedBy=default.target
`;
  return {
    path,
    content,
    start: 'systemctl --user daemon-reload && systemctl --user enable --now endpointd',
    stop: 'systemctl --user disable --now endpointd',
  };
}

/** `endpointd service install|uninstall`. */
export async function runService(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(SERVICE_HELP);
    return action === undefined ? 2 : EXIT_OK;
  }
  if (process.platform !== 'linux' && process.platform !== 'darwin')
    throw new UsageError(`services are supported on Linux (systemd) and macOS (launchd), not ${process.platform}`, 'service');
  if (action === 'install') {
    const file = buildServiceFile(process.platform, rest);
    mkdirSync(join(file.path, '..'), { recursive: true });
    writeFileSync(file.path, file.content, { mode: 0o644 });
    process.stdout.write(`Wrote ${file.path}\nStart it now and at every login with:\n  ${file.start}\n`);
    return EXIT_OK;
  }
  if (action === 'uninstall') {
    parseOptions('service uninstall', rest, {});
    const file = buildServiceFile(process.platform, []);
    if (!existsSync(file.path)) {
      process.stdout.write(`No service file at ${file.path}: nothing to do.\n`);
      return EXIT_OK;
    }
    process.stdout.write(`Stop it first if it runs:\n  ${file.stop}\n`);
    rmSync(file.path);
    process.stdout.write(`Removed ${file.path}\n`);
    return EXIT_OK;
  }
  throw new UsageError(`unknown service action "${action}" (install or uninstall)`, 'service');
}
