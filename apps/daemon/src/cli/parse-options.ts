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
