import { join } from 'node:path';
import type { EndpointdClient } from '@endpointd/client';
import { isProcessAlive } from '@endpointd/core';
import { connectLocalDaemon } from '../client/local-daemon.js';
import { HOME_FILES, homePath, readHomeFile } from '../home.js';
import { UsageError } from './usage-error.js';

/** How long a command waits for a daemon that is still starting. */
const STARTING_WAIT_MS = 5_000;

/** The pid of a live daemon holding the home's lock, or null. */
export function lockedDaemonPid(home: string): number | null {
  const pid = Number(readHomeFile(join(home, HOME_FILES.lock))?.trim());
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : null;
}

/**
 * Connects to the local daemon (token from $ENDPOINTD_HOME). A daemon that holds the lock but
 * does not answer yet is starting: the command waits for it (up to 5 s) instead of failing.
 */
export async function connect(): Promise<EndpointdClient> {
  const home = homePath();
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    try {
      const client = connectLocalDaemon();
      if (lockedDaemonPid(home) === null) return client; // not starting: the command reports what it finds
      await client.health();
      return client;
    } catch (err) {
      if (lockedDaemonPid(home) === null || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
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
