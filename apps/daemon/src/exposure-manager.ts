import {
  type Backend,
  delay,
  type Exposure,
  ExposureRequest,
  type ExposureStopReason,
  type ExposureType,
  type ExposureUpdate,
  type Provider,
  type Registry,
} from '@endpointd/core';
import { ApiFailure } from './api-failure.js';
import type { BackendBook } from './backend-book.js';
import type { DaemonEmitter } from './daemon-events.js';

/** A new HTTPS name can take a while to get its certificate: verification is retried this long. */
export const EXPOSURE_VERIFY_WINDOW_MS = 30_000;
export const EXPOSURE_VERIFY_INTERVAL_MS = 1_000;
/** How long a provider gets to tear an exposure down before the daemon stops waiting. */
export const EXPOSURE_STOP_TIMEOUT_MS = 10_000;

interface Running {
  backend: string;
  type: ExposureType;
  provider: Provider;
  controller: AbortController;
  done: Promise<void>;
  exposure: Exposure;
  /** Increments per URL report, so a stale verification never overwrites a newer state. */
  generation: number;
}

/** Sets up, supervises, verifies, remembers and tears down exposures through their providers. */
export interface ExposureManager {
  list(backend: string): Exposure[];
  enable(backend: string, request: unknown): Promise<Exposure>;
  disable(backend: string, type: ExposureType): Promise<Exposure>;
  /** Starts again every exposure the user had enabled (after a restart or reboot). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

const key = (backend: string, type: string) => `${backend}\n${type}`;

export function createExposureManager(deps: {
  providers: readonly Provider[];
  registry: Registry;
  book: BackendBook;
  events: DaemonEmitter;
  onEndpointsChanged: (backend: string) => void;
  verifyWindowMs?: number;
}): ExposureManager {
  const running = new Map<string, Running>();
  const verifyWindowMs = deps.verifyWindowMs ?? EXPOSURE_VERIFY_WINDOW_MS;

  function providerFor(type: ExposureType): Provider {
    const provider = deps.providers.find((p) => p.exposureTypes?.includes(type) && p.expose);
    if (!provider) {
      throw new ApiFailure(
        400,
        'ENDPOINTD_EXPOSURE_UNSUPPORTED',
        `no provider can set up ${type} here`,
        'Check `endpoints doctor`: the provider for this type is missing or unavailable.',
      );
    }
    return provider;
  }

  function publish(run: Running, patch: Partial<Exposure>): void {
    run.exposure = { ...run.exposure, ...patch, updatedAt: new Date().toISOString() };
    for (const k of ['endpoint', 'approvalUrl', 'reason', 'error', 'hint'] as const)
      if (patch[k] === undefined && k in patch) delete run.exposure[k];
    deps.events.emit('exposure', run.exposure);
  }

  async function verifyUrl(run: Running, backend: Backend, url: string, generation: number): Promise<void> {
    const deadline = Date.now() + verifyWindowMs;
    for (;;) {
      const [endpoint] = await deps.registry.verify(
        backend,
        [{ provider: run.provider.id, type: run.type, url, label: run.type }],
        run.controller.signal,
      );
      if (run.controller.signal.aborted || generation !== run.generation) return;
      if (endpoint?.status === 'verified') {
        publish(run, { state: 'active', endpoint, approvalUrl: undefined, reason: undefined, error: undefined, hint: undefined });
        deps.onEndpointsChanged(run.backend);
        return;
      }
      if (Date.now() >= deadline) {
        const v = endpoint?.verification;
        publish(run, {
          state: 'failed',
          endpoint: undefined,
          reason: v?.reason ?? 'unverified',
          error: v?.error ?? 'not verified',
          hint: v?.hint ?? undefined,
        });
        return;
      }
      await delay(EXPOSURE_VERIFY_INTERVAL_MS, run.controller.signal);
    }
  }

  function onUpdate(run: Running, backend: Backend, update: ExposureUpdate): void {
    if (run.controller.signal.aborted) return;
    run.generation++;
    if (update.state === 'active' && update.url) {
      // The provider says it is up; the daemon says so only once the URL answers as this backend.
      if (run.exposure.state !== 'active') publish(run, { state: 'starting' });
      void verifyUrl(run, backend, update.url, run.generation);
      return;
    }
    publish(run, {
      state: update.state,
      endpoint: undefined,
      approvalUrl: update.approvalUrl,
      reason: update.reason,
      error: update.error,
      hint: update.hint,
    });
    deps.onEndpointsChanged(run.backend);
  }

  function start(backend: Backend, type: ExposureType, options: Record<string, unknown>): Running {
    const provider = providerFor(type);
    const controller = new AbortController();
    const run: Running = {
      backend: backend.name,
      type,
      provider,
      controller,
      done: Promise.resolve(),
      generation: 0,
      exposure: { backend: backend.name, type, provider: provider.id, state: 'starting', updatedAt: new Date().toISOString() },
    };
    running.set(key(backend.name, type), run);
    deps.events.emit('exposure', run.exposure);
    run.done = Promise.resolve()
      .then(() => provider.expose?.({ backend, type, options, signal: controller.signal, update: (u) => onUpdate(run, backend, u) }))
      .then(
        () => {
          if (!controller.signal.aborted)
            publish(run, {
              state: 'failed',
              endpoint: undefined,
              reason: 'provider-stopped',
              error: `${provider.id} stopped supervising the exposure`,
            });
        },
        (err: unknown) => {
          if (!controller.signal.aborted) {
            publish(run, {
              state: 'failed',
              endpoint: undefined,
              reason: 'provider-failed',
              error: err instanceof Error ? err.message : String(err),
            });
          }
        },
      );
    return run;
  }

  async function stop(run: Running, reason: ExposureStopReason): Promise<void> {
    run.controller.abort(reason);
    running.delete(key(run.backend, run.type));
    await Promise.race([run.done, new Promise((r) => setTimeout(r, EXPOSURE_STOP_TIMEOUT_MS).unref())]);
    publish(run, { state: 'stopped', endpoint: undefined, approvalUrl: undefined });
    deps.onEndpointsChanged(run.backend);
  }

  function validate(type: ExposureType, provider: Provider, options: unknown): Record<string, unknown> {
    const schema = provider.exposureOptions?.[type];
    if (!schema) return (options ?? {}) as Record<string, unknown>;
    const parsed = schema.safeParse(options ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') ? `options.${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
      throw new ApiFailure(400, 'ENDPOINTD_VALIDATION', message);
    }
    return parsed.data as Record<string, unknown>;
  }

  return {
    list: (backend) => {
      deps.book.get(backend);
      return [...running.values()].filter((r) => r.backend === backend).map((r) => r.exposure);
    },
    async enable(backendName, body) {
      const backend = deps.book.get(backendName);
      const parsed = ExposureRequest.safeParse(body);
      if (!parsed.success)
        throw new ApiFailure(
          400,
          'ENDPOINTD_VALIDATION',
          parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        );
      const { type } = parsed.data;
      const options = validate(type, providerFor(type), parsed.data.options);
      const existing = running.get(key(backendName, type));
      if (existing) await stop(existing, 'disabled');
      const records = deps.book.exposureRecords().filter((r) => !(r.backend === backendName && r.type === type));
      await deps.book.setExposureRecords([...records, { backend: backendName, type, options, enabledAt: new Date().toISOString() }]);
      return start(backend, type, options).exposure;
    },
    async disable(backendName, type) {
      deps.book.get(backendName);
      const run = running.get(key(backendName, type));
      const records = deps.book.exposureRecords();
      if (!run && !records.some((r) => r.backend === backendName && r.type === type)) {
        throw new ApiFailure(404, 'ENDPOINTD_EXPOSURE_NOT_FOUND', `${type} is not enabled for "${backendName}"`);
      }
      await deps.book.setExposureRecords(records.filter((r) => !(r.backend === backendName && r.type === type)));
      if (!run) return { backend: backendName, type, provider: 'none', state: 'stopped', updatedAt: new Date().toISOString() };
      await stop(run, 'disabled');
      return run.exposure;
    },
    async restore() {
      for (const record of deps.book.exposureRecords()) {
        try {
          start(deps.book.get(record.backend), record.type, record.options);
        } catch {
          // The provider or backend is gone: the record stays, so it comes back when they do.
        }
      }
    },
    async close() {
      await Promise.all([...running.values()].map((r) => stop(r, 'daemon-stopping')));
    },
  };
}
