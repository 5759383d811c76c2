import { Backend, type BackendInfo, type DaemonState, type EndpointType, type ExposureRecord } from '@endpointd/core';
import { DomainError } from './domain-errors.js';
import type { StateStore } from './state-store.js';

export interface StaticBackend {
  backend: Backend;
  source: 'flag' | 'config';
}

/** How many backends the daemon serves unless configured otherwise (each costs probes and memory). */
export const DEFAULT_MAX_BACKENDS = 256;

/** The daemon's backends (from flags, the config file and the API), their default types and exposure records. */
export interface BackendBook {
  list(): BackendInfo[];
  get(name: string): BackendInfo;
  has(name: string): boolean;
  add(input: unknown): Promise<BackendInfo>;
  /** Removes an API backend with its default and exposure records; `beforeRemove` runs first, in the same turn of the writer. */
  remove(name: string, beforeRemove?: (backend: BackendInfo) => Promise<void>): Promise<void>;
  defaultType(name: string): EndpointType | null;
  setDefaultType(name: string, type: EndpointType | null): Promise<void>;
  exposureRecords(): ExposureRecord[];
  /** Changes the exposure records against the current ones (never a stale copy). */
  updateExposureRecords(change: (records: ExposureRecord[]) => ExposureRecord[]): Promise<void>;
}

export function createBackendBook(
  statics: StaticBackend[],
  initial: DaemonState,
  store: StateStore,
  options: { maxBackends?: number } = {},
): BackendBook {
  const maxBackends = options.maxBackends ?? DEFAULT_MAX_BACKENDS;
  let state = structuredClone(initial);
  const staticByName = new Map<string, BackendInfo>();
  for (const s of statics) staticByName.set(s.backend.name, { ...s.backend, source: s.source });
  // A backend given by flag or config wins over a stale API copy of the same name.
  state.backends = state.backends.filter((b) => !staticByName.has(b.name));

  const list = (): BackendInfo[] => [...staticByName.values(), ...state.backends.map((b) => ({ ...b, source: 'api' as const }))];
  const find = (name: string): BackendInfo | undefined => {
    const fixed = staticByName.get(name);
    if (fixed) return fixed;
    const added = state.backends.find((b) => b.name === name);
    return added ? { ...added, source: 'api' } : undefined;
  };

  function get(name: string): BackendInfo {
    const found = find(name);
    if (!found) {
      const known = list().map((b) => b.name);
      throw new DomainError('backend-not-found', { name }, known.length ? { hint: `Known backends: ${known.join(', ')}.` } : {});
    }
    return found;
  }

  // One writer: every change runs after the previous one has been saved, checks its
  // preconditions against the current state and is applied to it, never to a copy taken before
  // another change landed. The state in memory changes only once the file is written.
  let writer: Promise<unknown> = Promise.resolve();
  function mutate<T>(change: (draft: DaemonState) => T | Promise<T>): Promise<T> {
    const run = writer.then(async () => {
      const draft = structuredClone(state);
      const result = await change(draft);
      await store.save(draft);
      state = draft;
      return result;
    });
    writer = run.catch(() => undefined);
    return run;
  }

  return {
    list,
    get,
    has: (name) => find(name) !== undefined,
    add(input) {
      const backend = Backend.parse(input);
      return mutate((d) => {
        if (staticByName.has(backend.name) || d.backends.some((b) => b.name === backend.name)) {
          throw new DomainError('backend-exists', { name: backend.name });
        }
        if (staticByName.size + d.backends.length >= maxBackends) {
          throw new DomainError('too-many-backends', { max: maxBackends });
        }
        d.backends.push(backend);
        return { ...backend, source: 'api' as const };
      });
    },
    remove(name, beforeRemove) {
      return mutate(async (d) => {
        const found = get(name);
        if (found.source !== 'api') {
          throw new DomainError('backend-not-removable', { name, source: found.source === 'flag' ? '--backend' : 'the config file' });
        }
        await beforeRemove?.(found);
        d.backends = d.backends.filter((b) => b.name !== name);
        delete d.defaults[name];
        d.exposures = d.exposures.filter((e) => e.backend !== name);
      });
    },
    defaultType: (name) => state.defaults[name] ?? null,
    setDefaultType(name, type) {
      return mutate((d) => {
        get(name);
        if (type === null) delete d.defaults[name];
        else d.defaults[name] = type;
      });
    },
    exposureRecords: () => structuredClone(state.exposures),
    updateExposureRecords(change) {
      return mutate((d) => {
        d.exposures = change(d.exposures);
      });
    },
  };
}
