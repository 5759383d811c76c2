import { readFileSync } from 'node:fs';
import { DaemonConfig, formatZodError } from '@endpointd/core';

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
    // In words, not errno codes.
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : 'it cannot be read';
    throw new ConfigError(`cannot read config ${path}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = DaemonConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`config ${path}: ${formatZodError(parsed.error)}`);
  }
  return parsed.data;
}
