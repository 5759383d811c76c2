import { createEndpointdClient, DaemonUnreachableError, type EndpointdClient } from '@endpointd/client';
import { homePath } from '../home.js';
import { readToken } from '../token.js';
import { localDaemonUrl } from './daemon-address.js';
import { nodeHttpTransport } from './node-transport.js';

export { localDaemonUrl } from './daemon-address.js';

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
