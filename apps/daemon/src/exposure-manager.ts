import {
  type Backend,
  type Exposure,
  type ExposureRecord,
  type ExposureRequest,
  type ExposureStopReason,
  type ExposureType,
  type ExposureUpdate,
  fieldIssues,
  formatHint,
  formatIssues,
  type OwnedSetup,
  type Provider,
  Reason,
  type Registry,
  redactSecrets,
} from '@endpointd/core';
import type { BackendBook } from './backend-book.js';
import type { DaemonEmitter } from './daemon-events.js';
import { DomainError } from './domain-errors.js';
import { armExpiry } from './exposures/expiry-timer.js';
import { planRestore, withoutRecord } from './exposures/exposure-records.js';
import { applyExposurePatch } from './exposures/exposure-state.js';
import { verifyExposureUrl } from './exposures/verify-exposure.js';

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
  /** What went wrong while the provider tore the exposure down. */
  stopError?: string;
  /** Cancels the expiry, when one was given. */
  cancelExpiry?: () => void;
}

/** What stopping one exposure came to. */
export type StopOutcome = { type: ExposureType; stopped: true } | { type: ExposureType; stopped: false; error: string };

/** Sets up, supervises, verifies, remembers and tears down exposures through their providers. */
export interface ExposureManager {
  list(backend: string): Exposure[];
  enable(backend: string, request: ExposureRequest): Promise<Exposure>;
  disable(backend: string, type: ExposureType): Promise<Exposure>;
  /** Stops every exposure of a backend that is going away (their records go with the backend). */
  stopAll(backend: string): Promise<StopOutcome[]>;
  /**
   * Starts again every exposure the user had enabled (after a restart or reboot), except those
   * that failed permanently; records of backends that no longer exist are dropped and returned.
   */
  restore(): Promise<Array<{ backend: string; type: ExposureType; cleanupError?: string }>>;
  close(): Promise<void>;
}

const key = (backend: string, type: string) => `${backend}\n${type}`;
const now = () => new Date().toISOString();

export function createExposureManager(deps: {
  providers: readonly Provider[];
  registry: Registry;
  book: BackendBook;
  events: DaemonEmitter;
  onEndpointsChanged: (backend: string) => void;
  verifyWindowMs?: number;
  stopTimeoutMs?: number;
}): ExposureManager {
  const running = new Map<string, Running>();
  /** Exposures that failed permanently: shown, not supervised. */
  const failed = new Map<string, Exposure>();
  const verifyWindowMs = deps.verifyWindowMs ?? EXPOSURE_VERIFY_WINDOW_MS;
  const stopTimeoutMs = deps.stopTimeoutMs ?? EXPOSURE_STOP_TIMEOUT_MS;

  function providerFor(type: ExposureType): Provider {
    const provider = deps.providers.find((p) => p.exposureTypes?.includes(type) && p.expose);
    if (!provider) {
      throw new DomainError('exposure-unsupported', { type });
    }
    return provider;
  }

  function publish(run: Running, patch: Partial<Exposure>): void {
    run.exposure = applyExposurePatch(run.exposure, patch, now());
    deps.events.emit('exposure', run.exposure);
  }

  async function verifyUrl(run: Running, backend: Backend, url: string, generation: number): Promise<void> {
    const verdict = await verifyExposureUrl({
      registry: deps.registry,
      backend,
      providerId: run.provider.id,
      type: run.type,
      url,
      signal: run.controller.signal,
      windowMs: verifyWindowMs,
      intervalMs: EXPOSURE_VERIFY_INTERVAL_MS,
      stale: () => generation !== run.generation,
    });
    if (verdict.ok === null) return;
    if (verdict.ok) {
      publish(run, {
        state: 'active',
        endpoint: verdict.endpoint,
        approvalUrl: undefined,
        reason: undefined,
        error: undefined,
        hint: undefined,
      });
      deps.onEndpointsChanged(run.backend);
      return;
    }
    publish(run, { state: 'failed', endpoint: undefined, reason: verdict.reason, error: verdict.error, hint: verdict.hint });
  }

  /** Retrying cannot fix it: stop supervising, remember it as failed, and say so once. */
  function failPermanently(run: Running, failure: { reason: Reason; error?: string; hint?: string }): void {
    // Every reason a client sees comes with something to do.
    const hint =
      failure.hint ??
      formatHint(failure.reason, {
        provider: run.provider.id,
        tool: `The ${run.provider.id} provider`,
        detail: failure.error ?? failure.reason,
      });
    publish(run, { state: 'failed', endpoint: undefined, approvalUrl: undefined, ...failure, hint });
    run.controller.abort('disabled' satisfies ExposureStopReason);
    running.delete(key(run.backend, run.type));
    failed.set(key(run.backend, run.type), run.exposure);
    const at = now();
    void deps.book
      .updateExposureRecords((records) =>
        records.map((r) =>
          r.backend === run.backend && r.type === run.type
            ? {
                ...r,
                failed: {
                  reason: failure.reason,
                  at,
                  ...(run.exposure.error ? { error: run.exposure.error } : {}),
                  ...(run.exposure.hint ? { hint: run.exposure.hint } : {}),
                },
              }
            : r,
        ),
      )
      .catch(() => undefined); // not saved: it is retried at the next start, which is safe
    deps.onEndpointsChanged(run.backend);
  }

  function onUpdate(run: Running, backend: Backend, update: ExposureUpdate): void {
    if (run.controller.signal.aborted) return;
    run.generation++;
    if (update.owned) {
      const owned = update.owned;
      // Saved before anything else can happen to it: a crash must not lose what to clean up.
      void deps.book
        .updateExposureRecords((records) => records.map((r) => (r.backend === run.backend && r.type === run.type ? { ...r, owned } : r)))
        .catch(() => undefined);
    }
    if (update.state === 'active' && update.url) {
      // The provider says it is up; the daemon says so only once the URL answers as this backend.
      if (run.exposure.state !== 'active') publish(run, { state: 'starting' });
      void verifyUrl(run, backend, update.url, run.generation);
      return;
    }
    // A plugin's update is not type-checked: a reason outside the closed set reads as tool-failed.
    const reason = update.reason === undefined ? undefined : (Reason.safeParse(update.reason).data ?? 'tool-failed');
    if (update.state === 'failed' && update.permanent) {
      failPermanently(run, {
        reason: reason ?? 'tool-failed',
        ...(update.error ? { error: update.error } : {}),
        ...(update.hint ? { hint: update.hint } : {}),
      });
      return;
    }
    publish(run, {
      state: update.state,
      endpoint: undefined,
      approvalUrl: update.approvalUrl,
      reason,
      error: update.error,
      hint: update.hint,
    });
    deps.onEndpointsChanged(run.backend);
  }

  function start(backend: Backend, type: ExposureType, options: Record<string, unknown>, owned?: OwnedSetup, expiresAt?: string): Running {
    const provider = providerFor(type);
    const controller = new AbortController();
    const run: Running = {
      backend: backend.name,
      type,
      provider,
      controller,
      done: Promise.resolve(),
      generation: 0,
      exposure: {
        backend: backend.name,
        type,
        provider: provider.id,
        state: 'starting',
        updatedAt: now(),
        ...(expiresAt ? { expiresAt } : {}),
      },
    };
    // At expiry it is stopped as a disable would (record removed, what it added removed), reason "expired".
    if (expiresAt) run.cancelExpiry = armExpiry(Date.parse(expiresAt), () => void expire(run));
    failed.delete(key(backend.name, type));
    running.set(key(backend.name, type), run);
    deps.events.emit('exposure', run.exposure);
    run.done = Promise.resolve()
      .then(() =>
        provider.expose?.({
          backend,
          type,
          options,
          signal: controller.signal,
          update: (u) => onUpdate(run, backend, u),
          backendScheme: () => deps.registry.backendScheme(backend),
          ...(owned ? { owned } : {}),
        }),
      )
      .then(
        () => {
          if (!controller.signal.aborted)
            failPermanently(run, { reason: 'provider-stopped', error: `${provider.id} stopped supervising the exposure` });
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          if (controller.signal.aborted) run.stopError = message;
          else failPermanently(run, { reason: 'provider-failed', error: message });
        },
      );
    return run;
  }

  async function expire(run: Running): Promise<void> {
    if (running.get(key(run.backend, run.type)) !== run) return;
    await deps.book.updateExposureRecords((records) => withoutRecord(records, run.backend, run.type)).catch(() => undefined); // not saved: the next start finds it expired and drops it
    await stop(run, 'disabled', 'expired');
  }

  async function stop(run: Running, reason: ExposureStopReason, why?: Reason): Promise<StopOutcome> {
    run.cancelExpiry?.();
    run.controller.abort(reason);
    running.delete(key(run.backend, run.type));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      run.done.then(() => true),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const error = finished ? run.stopError : `${run.provider.id} did not finish stopping within ${stopTimeoutMs / 1000} s`;
    publish(run, {
      state: 'stopped',
      endpoint: undefined,
      approvalUrl: undefined,
      ...(error
        ? { reason: 'stop-failed' as const, error, hint: formatHint('stop-failed', { detail: error }) }
        : { reason: why, error: undefined, hint: why ? formatHint(why, {}) : undefined }),
    });
    deps.onEndpointsChanged(run.backend);
    return error ? { type: run.type, stopped: false, error: redactSecrets(error) } : { type: run.type, stopped: true };
  }

  function validate(type: ExposureType, provider: Provider, options: unknown): Record<string, unknown> {
    const schema = provider.exposureOptions?.[type];
    if (!schema) return (options ?? {}) as Record<string, unknown>;
    const parsed = schema.safeParse(options ?? {});
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error).map((i) => ({ ...i, path: ['options', ...i.path] }));
      throw new DomainError('invalid-exposure-options', { detail: formatIssues(issues) }, { issues });
    }
    return parsed.data as Record<string, unknown>;
  }

  /** Removes durable setup an exposure that will not run again had added; the error, if it failed. */
  async function cleanupOwned(record: ExposureRecord): Promise<string | undefined> {
    const provider = deps.providers.find((p) => p.exposureTypes?.includes(record.type));
    if (!record.owned || !provider?.cleanup) return undefined;
    try {
      await provider.cleanup({ type: record.type, owned: record.owned, signal: AbortSignal.timeout(stopTimeoutMs) });
      return undefined;
    } catch (err) {
      return redactSecrets(err instanceof Error ? err.message : String(err));
    }
  }

  function failedExposure(
    backend: string,
    type: ExposureType,
    f: NonNullable<ReturnType<BackendBook['exposureRecords']>[number]['failed']>,
  ): Exposure {
    const provider = deps.providers.find((p) => p.exposureTypes?.includes(type));
    return {
      backend,
      type,
      provider: provider?.id ?? 'none',
      state: 'failed',
      reason: f.reason,
      ...(f.error ? { error: f.error } : {}),
      ...(f.hint ? { hint: f.hint } : {}),
      updatedAt: f.at,
    };
  }

  return {
    list: (backend) => {
      deps.book.get(backend);
      return [...running.values(), ...failed.values()].filter((r) => r.backend === backend).map((r) => ('exposure' in r ? r.exposure : r));
    },
    async enable(backendName, request) {
      const backend = deps.book.get(backendName);
      // The route validated the request against ExposureRequest; the options are the provider's to check.
      const { type, expiresInMs } = request;
      const options = validate(type, providerFor(type), request.options);
      const existing = running.get(key(backendName, type));
      if (existing) await stop(existing, 'disabled');
      const expiresAt = expiresInMs === undefined ? undefined : new Date(Date.now() + expiresInMs).toISOString();
      // Saved before it starts: acknowledged means it comes back after a crash (and still expires).
      await deps.book.updateExposureRecords((records) => {
        deps.book.get(backendName); // removed meanwhile: 404, nothing saved
        return [
          ...withoutRecord(records, backendName, type),
          { backend: backendName, type, options, enabledAt: now(), ...(expiresAt ? { expiresAt } : {}) },
        ];
      });
      return start(backend, type, options, undefined, expiresAt).exposure;
    },
    async disable(backendName, type) {
      deps.book.get(backendName);
      const k = key(backendName, type);
      const run = running.get(k);
      const wasFailed = failed.get(k);
      if (!run && !wasFailed && !deps.book.exposureRecords().some((r) => r.backend === backendName && r.type === type)) {
        throw new DomainError('exposure-not-found', { type, backend: backendName });
      }
      await deps.book.updateExposureRecords((records) => withoutRecord(records, backendName, type));
      failed.delete(k);
      if (!run) return { backend: backendName, type, provider: wasFailed?.provider ?? 'none', state: 'stopped', updatedAt: now() };
      const outcome = await stop(run, 'disabled');
      if (!outcome.stopped) throw new DomainError('stop-failed', { detail: outcome.error });
      return run.exposure;
    },
    async stopAll(backendName) {
      for (const k of [...failed.keys()]) if (k.startsWith(`${backendName}\n`)) failed.delete(k);
      const runs = [...running.values()].filter((r) => r.backend === backendName);
      return await Promise.all(runs.map((r) => stop(r, 'disabled')));
    },
    async restore() {
      const plan = planRestore(deps.book.exposureRecords(), (name) => deps.book.has(name), Date.now());
      // Orphaned (their backend left the config; their processes were reaped at start) and expired
      // ones: durable setup they added is removed, and they are forgotten.
      const dropped: Array<{ backend: string; type: ExposureType; cleanupError?: string }> = [];
      for (const record of plan.orphaned) {
        const cleanupError = await cleanupOwned(record);
        dropped.push({ backend: record.backend, type: record.type, ...(cleanupError ? { cleanupError } : {}) });
      }
      for (const record of plan.expired) await cleanupOwned(record);
      for (const record of plan.failed) {
        if (record.failed) failed.set(key(record.backend, record.type), failedExposure(record.backend, record.type, record.failed));
      }
      for (const record of plan.start) {
        try {
          start(deps.book.get(record.backend), record.type, record.options, record.owned, record.expiresAt);
        } catch {
          // The provider is gone (a plugin not loaded): the record stays, so it comes back when it does.
        }
      }
      const gone = [...plan.orphaned, ...plan.expired];
      if (gone.length > 0)
        await deps.book.updateExposureRecords((records) =>
          records.filter((r) => !gone.some((d) => d.backend === r.backend && d.type === r.type)),
        );
      return dropped;
    },
    async close() {
      await Promise.all([...running.values()].map((r) => stop(r, 'daemon-stopping')));
    },
  };
}
