import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { fieldIssues, formatIssues, formatZodError, plainMessage } from './zod-issues.js';

describe('validation issues in plain words, in the caller’s terms', () => {
  const Schema = z.object({
    name: z.string(),
    port: z.number(),
    tokenFile: z.string().refine((p) => p.startsWith('/'), 'tokenFile must be an absolute path'),
  });
  const error = Schema.safeParse({ port: 'eighty', tokenFile: 'rel' }).error as z.ZodError;

  it('says "is required" and "must be a number (not a string)" instead of zod’s type wording', () => {
    expect(plainMessage('Invalid input: expected string, received undefined')).toBe('is required');
    expect(plainMessage('Invalid input: expected number, received string')).toBe('must be a number (not a string)');
    expect(plainMessage('Invalid input: expected object, received null')).toBe('must be an object (not null)');
    expect(plainMessage('must be a path')).toBe('must be a path');
    expect(plainMessage('Invalid option: expected one of "lan"|"custom"')).toBe('must be one of lan, custom');
    expect(fieldIssues(error)).toEqual([
      { path: ['name'], message: 'is required' },
      { path: ['port'], message: 'must be a number (not a string)' },
      { path: ['tokenFile'], message: 'tokenFile must be an absolute path' },
    ]);
  });

  it('names each field as the caller does (paths by default, flags for a CLI), and never twice', () => {
    expect(formatZodError(error)).toBe('name is required; port: must be a number (not a string); tokenFile must be an absolute path');
    const flag = (path: string[]) => ({ name: 'NAME', port: '--port', tokenFile: '--token-file' })[path[0] ?? ''] ?? null;
    expect(formatZodError(error, flag)).toBe(
      'NAME is required; --port: must be a number (not a string); --token-file must be an absolute path',
    );
    expect(
      formatIssues([
        { path: [], message: 'give either a or b' },
        { path: [], message: 'give either a or b' },
      ]),
    ).toBe('give either a or b');
  });
});

describe('size messages in plain words', () => {
  it('says "must have at least 1 item", "must be at most 64", "must not be empty"', () => {
    const schema = z.object({ list: z.array(z.number()).min(1), n: z.number().max(64), s: z.string().min(1), t: z.string().max(3) });
    const r = schema.safeParse({ list: [], n: 65, s: '', t: 'long' });
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(fieldIssues(r.error).map((i) => i.message)).toEqual([
        'must have at least 1 item',
        'must be at most 64',
        'must not be empty',
        'must have at most 3 characters',
      ]);
    }
  });
});
