import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatZodError, type PluginSpec, type Provider, ProviderShape } from '@endpointd/core';

/** A provider module loaded from the config. */
export interface LoadedPlugin {
  provider: Provider;
  source: string;
}

/** A plugin that could not be used; reported in /v1/providers, never fatal to the daemon. */
export interface PluginFailure {
  source: string;
  reason: 'plugin-load-failed' | 'plugin-invalid';
  message: string;
  hint: string;
}

function specifierFor(module: string, baseDir: string): string {
  if (module.startsWith('.') || isAbsolute(module)) return pathToFileURL(resolve(baseDir, module)).href;
  try {
    // Bare package names resolve from the config's folder first, like the user would expect.
    return pathToFileURL(createRequire(join(baseDir, 'package.json')).resolve(module)).href;
  } catch {
    return module;
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/**
 * Imports each plugin and calls its factory (default export or `createProvider`) with its options.
 * Each result is checked against core's provider schema; ids must not clash.
 */
export async function loadPlugins(
  specs: readonly PluginSpec[],
  baseDir: string,
  takenIds: Set<string>,
): Promise<{ loaded: LoadedPlugin[]; failures: PluginFailure[] }> {
  const loaded: LoadedPlugin[] = [];
  const failures: PluginFailure[] = [];
  for (const spec of specs) {
    const { module, options } =
      typeof spec === 'string' ? { module: spec, options: {} } : { module: spec.module, options: spec.options ?? {} };
    let candidate: unknown;
    try {
      const mod = (await import(specifierFor(module, baseDir))) as Record<string, unknown>;
      const factory = mod.createProvider ?? mod.default;
      candidate = typeof factory === 'function' ? await (factory as (o: unknown) => unknown)(options) : factory;
    } catch (err) {
      failures.push({
        source: module,
        reason: 'plugin-load-failed',
        message: message(err),
        hint: `Check that ${module} exists and that its factory runs; endpointd keeps running without it.`,
      });
      continue;
    }
    const parsed = ProviderShape.safeParse(candidate);
    if (!parsed.success) {
      const issues = formatZodError(parsed.error, (path) => path.join('.') || 'provider');
      failures.push({
        source: module,
        reason: 'plugin-invalid',
        message: `not a provider: ${issues}`,
        hint: 'Export a factory returning { id, types, discover(ctx) } (see the README).',
      });
      continue;
    }
    const provider = candidate as Provider;
    if (takenIds.has(provider.id)) {
      failures.push({
        source: module,
        reason: 'plugin-invalid',
        message: `provider id "${provider.id}" is already taken`,
        hint: 'Give the plugin a unique id.',
      });
      continue;
    }
    takenIds.add(provider.id);
    loaded.push({ provider, source: module });
  }
  return { loaded, failures };
}
