import { join } from 'node:path';
import { HOME_FILES, readHomeFile } from '../home.js';

/** The daemon's default address: loopback only, a fixed port the CLI knows. */
export const DEFAULT_LISTEN = '127.0.0.1:4737';

/** Where the local daemon listens: $ENDPOINTD_URL, else what it wrote in its home, else the default. */
export function localDaemonUrl(home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENDPOINTD_URL) return env.ENDPOINTD_URL;
  try {
    const { url } = JSON.parse(readHomeFile(join(home, HOME_FILES.address)) ?? '{}') as { url?: string };
    if (url) return url;
  } catch {
    // no daemon has written its address: try the default
  }
  return `http://${DEFAULT_LISTEN}`;
}
