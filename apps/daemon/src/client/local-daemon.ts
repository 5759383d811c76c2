import { join } from 'node:path';
import { createEndpointdClient, DaemonUnreachableError, type EndpointdClient } from '@endpointd/client';
import { DEFAULT_LISTEN } from '../daemon-flags.js';
import { HOME_FILES, homePath, readHomeFile } from '../home.js';
import { readToken } from '../token.js';
import { nodeHttpTransport } from './node-transport.js';

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

/** A client for the daemon of this user (or of $ENDPOINTD_HOME), with the token from its home. */
export function connectLocalDaemon(env: NodeJS.ProcessEnv = process.env): EndpointdClient {
  const home = homePath(env);
  const baseUrl = localDaemonUrl(home, env);
  const token = readToken(home);
  // Not "no answer": say where the token was looked for, the usual cause being another home.
  if (token === null)
    throw new DaemonUnreachableError(baseUrl, {
      message: `endpointd is not running with this home: there is no token in ${home} (set ENDPOINTD_HOME if the daemon uses another one)`,
    });
  return createEndpointdClient({ baseUrl, token, transport: nodeHttpTransport });
}
