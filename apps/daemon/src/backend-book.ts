import { Backend, type BackendInfo, type DaemonState, type EndpointType, type ExposureRecord } from '@endpointd/core';
import { ApiFailure, backendNotFound } from './api-failure.js';
import type { StateStore } from './state-store.js';

export interface StaticBackend {
  backend: Backend;
  source: 'flag' | 'config';
}

/** The daemon's backends (from flags, the config file and the API), their default types and exposure records. */
export interface BackendBook {
  list(): BackendInfo[];
  get(name: string): BackendInfo;
  add(input: unknown): Promise<BackendInfo>;
  remove(name: string): Promise<void>;
  defaultType(name: string): EndpointType | null;
  setDefaultType(name: string, type: EndpointType | null): Promise<void>;
  exposureRecords(): ExposureRecord[];
  setExposureRecords(records: ExposureRecord[]): Promise<void>;
}

export function createBackendBook(statics: StaticBackend[], initial: DaemonState, store: StateStore): BackendBook {
  let state = structuredClone(initial);
  const staticByName = new Map<string, BackendInfo>();
  for (const s of statics) staticByName.set(s.backend.name, { ...s.backend, source: s.source });
  // A backend given by flag or config wins over a stale API copy of the same name.
  state.backends = state.backends.filter((b) => !staticByName.has(b.name));

  const list = (): BackendInfo[] => [...staticByName.values(), ...state.backends.map((b) => ({ ...b, source: 'api' as const }))];

  function get(name: string): BackendInfo {
    const found = list().find((b) => b.name === name);
    if (!found)
      throw backendNotFound(
        name,
        list().map((b) => b.name),
      );
    return found;
  }

  // Every change goes through here: applied in memory, then written atomically before answering.
  async function mutate(change: (draft: DaemonState) => void): Promise<void> {
    const draft = structuredClone(state);
    change(draft);
    await store.save(draft);
    state = draft;
  }

  return {
    list,
    get,
    async add(input) {
      const backend = Backend.parse(input);
      if (list().some((b) => b.name === backend.name)) {
        throw new ApiFailure(
          409,
          'ENDPOINTD_BACKEND_EXISTS',
          `a backend named "${backend.name}" already exists`,
          'Choose another name, or remove the existing backend first.',
        );
      }
      await mutate((d) => {
        d.backends.push(backend);
      });
      return { ...backend, source: 'api' };
    },
    async remove(name) {
      const found = get(name);
      if (found.source !== 'api') {
        throw new ApiFailure(
          409,
          'ENDPOINTD_BACKEND_NOT_REMOVABLE',
          `backend "${name}" comes from ${found.source === 'flag' ? '--backend' : 'the config file'}`,
          'Remove it there and restart endpointd.',
        );
      }
      await mutate((d) => {
        d.backends = d.backends.filter((b) => b.name !== name);
        delete d.defaults[name];
        d.exposures = d.exposures.filter((e) => e.backend !== name);
      });
    },
    defaultType: (name) => state.defaults[name] ?? null,
    async setDefaultType(name, type) {
      get(name);
      await mutate((d) => {
        if (type === null) delete d.defaults[name];
        else d.defaults[name] = type;
      });
    },
    exposureRecords: () => structuredClone(state.exposures),
    async setExposureRecords(records) {
      await mutate((d) => {
        d.exposures = records;
      });
    },
  };
}
