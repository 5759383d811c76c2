import type { EndpointdClient } from '@endpointd/client';
import { connectLocalDaemon } from '../client/local-daemon.js';
import { homePath } from '../home.js';
import { lockedDaemonPid } from './daemon-lock.js';

/** How long a command waits for a daemon that is still starting. */
const STARTING_WAIT_MS = 5_000;

export { lockedDaemonPid } from './daemon-lock.js';

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

export { selectBackend } from './select-backend.js';
