import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, its errors turned into usage errors that name the command. */
export function parseOptions<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(err);
    throw new UsageError(message.split('\n')[0] ?? message, command);
  }
}

/** Parses a whole number in a range, or throws a usage error naming the option. */
export function parseInteger(command: string, flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`, command);
  }
  return Number(value);
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "1h", "8h", "2d" (or a combination like "1h30m") in ms; a usage error otherwise. */
export function parseDuration(command: string, flag: string, value: string): number {
  const parts = [...value.matchAll(/(\d+)([smhd])/g)];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS_MS[unit ?? ''] ?? 0), 0);
  if (parts.map((p) => p[0]).join('') !== value || ms < 1_000 || ms > 30 * 86_400_000) {
    throw new UsageError(`${flag} must be a duration from 1s to 30d such as 90s, 30m, 1h or 8h, got "${value}"`, command);
  }
  return ms;
}
