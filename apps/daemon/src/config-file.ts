import { readFileSync } from 'node:fs';
import { DaemonConfig } from '@endpointd/core';

/** A config file that cannot be used: the daemon refuses to start with the reason (exit 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates `--config FILE` (JSON). */
export function loadConfigFile(path: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = DaemonConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`config ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
