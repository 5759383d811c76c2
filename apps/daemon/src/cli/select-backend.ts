import type { EndpointdClient } from '@endpointd/client';
import { UsageError } from './usage-error.js';

/** `--backend NAME`, optional when the daemon has exactly one backend. */
export async function selectBackend(
  client: Pick<EndpointdClient, 'backends'> | { backends(): Promise<Array<{ name: string }>> },
  command: string,
  given: string | undefined,
): Promise<string> {
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
