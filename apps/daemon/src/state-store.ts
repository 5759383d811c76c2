import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonState, EMPTY_STATE } from '@endpointd/core';
import writeFileAtomic from 'write-file-atomic';
import { HOME_FILES } from './home.js';

/** A state file that could not be used; the daemon starts with defaults and reports it. */
export interface StateProblem {
  file: string;
  movedTo: string | null;
  error: string;
}

export interface LoadedState {
  state: DaemonState;
  problem: StateProblem | null;
}

/** Persists the daemon's state: zod-validated on load, written atomically, one write at a time. */
export interface StateStore {
  readonly file: string;
  load(): Promise<LoadedState>;
  save(state: DaemonState): Promise<void>;
}

function describe(err: unknown): string {
  if (err instanceof SyntaxError) return `not valid JSON (${err.message})`;
  if (err && typeof err === 'object' && 'issues' in err) {
    const issues = (err as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues;
    return `does not match the state schema: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function createStateStore(home: string, now: () => Date = () => new Date()): StateStore {
  const file = join(home, HOME_FILES.state);
  let queue: Promise<void> = Promise.resolve();

  async function load(): Promise<LoadedState> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: structuredClone(EMPTY_STATE), problem: null };
      return { state: structuredClone(EMPTY_STATE), problem: { file, movedTo: null, error: describe(err) } };
    }
    try {
      return { state: DaemonState.parse(JSON.parse(text)), problem: null };
    } catch (err) {
      // Never overwrite the only copy: move it aside with a timestamp, then start from defaults.
      const movedTo = `${file}.corrupt-${now().toISOString().replace(/[:.]/g, '-')}`;
      try {
        await rename(file, movedTo);
        return { state: structuredClone(EMPTY_STATE), problem: { file, movedTo, error: describe(err) } };
      } catch (renameErr) {
        return {
          state: structuredClone(EMPTY_STATE),
          problem: { file, movedTo: null, error: `${describe(err)}; could not move it aside: ${describe(renameErr)}` },
        };
      }
    }
  }

  function save(state: DaemonState): Promise<void> {
    const text = `${JSON.stringify(DaemonState.parse(state), null, 2)}\n`;
    // Chained so two saves never interleave; write-file-atomic does temp file, fsync, rename.
    queue = queue.catch(() => undefined).then(() => writeFileAtomic(file, text, { mode: 0o600, fsync: true }));
    return queue;
  }

  return { file, load, save };
}
