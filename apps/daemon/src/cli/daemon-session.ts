import type { EndpointdClient } from '../client/endpointd-client.js';
import { connectLocalDaemon } from '../client/local-daemon.js';
import { UsageError } from './usage-error.js';

/** Connects to the local daemon (token from $ENDPOINTD_HOME). */
export function connect(): EndpointdClient {
  return connectLocalDaemon();
}

/** `--backend NAME`, optional when the daemon has exactly one backend. */
export async function selectBackend(client: EndpointdClient, command: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const backends = await client.backends();
  if (backends.length === 1 && backends[0]) return backends[0].name;
  if (backends.length === 0)
    throw new UsageError('the daemon has no backend yet: add one with `endpoints backends add NAME --port N`', command);
  throw new UsageError(
    `the daemon has ${backends.length} backends (${backends.map((b) => b.name).join(', ')}): choose one with --backend NAME`,
    command,
  );
}
