import { mkdirSync } from 'node:fs';
import envPaths from 'env-paths';

/** Files endpointd keeps in its home folder. */
export const HOME_FILES = Object.freeze({
  token: 'token',
  state: 'state.json',
  lock: 'daemon.lock',
  /** Where the running daemon says it listens, so the CLI finds a non-default port. */
  address: 'daemon.json',
});

/** $ENDPOINTD_HOME, else the platform's config folder for endpointd (created 0700). */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.ENDPOINTD_HOME || envPaths('endpointd', { suffix: '' }).config;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}
