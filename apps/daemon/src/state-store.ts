import { constants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Backend, DaemonState, EMPTY_STATE, EndpointType, ExposureRecord, formatZodError } from '@endpointd/core';
import * as z from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { HOME_FILES } from './home.js';

/** A state file that could not be used (whole or in part); the daemon starts with what it could keep and reports it. */
export interface StateProblem {
  file: string;
  movedTo: string | null;
  error: string;
}

export interface LoadedState {
  state: DaemonState;
  problem: StateProblem | null;
}

/** The state could not be written (disk full, read-only, no permission): nothing changed. */
export class StateWriteError extends Error {
  override readonly name = 'StateWriteError';
  constructor(
    readonly file: string,
    readonly errno: string,
  ) {
    super(`could not save ${file} (${errno})`);
  }
  /** One sentence for the user, without errno jargon. */
  get hint(): string {
    switch (this.errno) {
      case 'ENOSPC':
      case 'EDQUOT':
        return `The disk holding ${this.file} is full: free some space, then try again. Nothing was changed.`;
      case 'EROFS':
        return `${this.file} is on a read-only file system: set ENDPOINTD_HOME to a writable folder. Nothing was changed.`;
      case 'EACCES':
      case 'EPERM':
        return `endpointd may not write ${this.file}: check the owner and permissions of its home. Nothing was changed.`;
      default:
        return `Writing ${this.file} failed: check the disk and the home folder. Nothing was changed.`;
    }
  }
}

/** Persists the daemon's state: zod-validated on load, written atomically, one write at a time. */
export interface StateStore {
  readonly file: string;
  load(): Promise<LoadedState>;
  save(state: DaemonState): Promise<void>;
}

function describe(err: unknown): string {
  if (err instanceof SyntaxError) return `not valid JSON (${err.message})`;
  if (err instanceof z.ZodError) return `does not match the state schema: ${formatZodError(err, (path) => path.join('.') || '(root)')}`;
  return err instanceof Error ? err.message : String(err);
}

const Envelope = z.object({
  version: z.literal(1),
  backends: z.array(z.unknown()).default([]),
  defaults: z.record(z.string(), z.unknown()).default({}),
  exposures: z.array(z.unknown()).default([]),
});

/** Keeps every entry that is valid on its own, so one bad backend does not cost the others. */
function salvage(json: unknown): DaemonState | null {
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return null;
  const backends = envelope.data.backends.flatMap((b) => {
    const parsed = Backend.safeParse(b);
    return parsed.success ? [parsed.data] : [];
  });
  const defaults: DaemonState['defaults'] = {};
  for (const [name, type] of Object.entries(envelope.data.defaults)) {
    const parsed = EndpointType.safeParse(type);
    if (parsed.success) defaults[name] = parsed.data;
  }
  const exposures = envelope.data.exposures.flatMap((e) => {
    const parsed = ExposureRecord.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
  return DaemonState.safeParse({ version: 1, backends, defaults, exposures }).data ?? null;
}

async function readNoFollow(file: string): Promise<string> {
  // O_NOFOLLOW: a state.json planted as a link to another file is never read (nor written: the
  // atomic write renames over the link itself).
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export function createStateStore(home: string, now: () => Date = () => new Date()): StateStore {
  const file = join(home, HOME_FILES.state);
  let queue: Promise<void> = Promise.resolve();

  async function load(): Promise<LoadedState> {
    let text: string;
    try {
      text = await readNoFollow(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: structuredClone(EMPTY_STATE), problem: null };
      return { state: structuredClone(EMPTY_STATE), problem: { file, movedTo: null, error: describe(err) } };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
      return { state: DaemonState.parse(json), problem: null };
    } catch (err) {
      // Never overwrite the only copy: move it aside with a timestamp, then start from what is
      // valid in it (nothing, when it is not even JSON).
      const state = (json !== undefined ? salvage(json) : null) ?? structuredClone(EMPTY_STATE);
      const kept = json !== undefined && state.backends.length + state.exposures.length + Object.keys(state.defaults).length > 0;
      const error = `${describe(err)}${kept ? '; the valid entries were kept' : ''}`;
      const movedTo = `${file}.corrupt-${now().toISOString().replace(/[:.]/g, '-')}`;
      try {
        await rename(file, movedTo);
        return { state, problem: { file, movedTo, error } };
      } catch (renameErr) {
        return { state, problem: { file, movedTo: null, error: `${error}; could not move it aside: ${describe(renameErr)}` } };
      }
    }
  }

  function save(state: DaemonState): Promise<void> {
    const text = `${JSON.stringify(DaemonState.parse(state), null, 2)}\n`;
    // Chained so two saves never interleave; the write is temp file, fsync, rename, so
    // a failed write (disk full) leaves the previous file whole.
    const run = queue
      .catch(() => undefined)
      .then(() => writeFileAtomic(file, text))
      .catch((err: NodeJS.ErrnoException) => {
        throw new StateWriteError(file, err.code ?? 'EIO');
      });
    queue = run;
    return run;
  }

  return { file, load, save };
}
