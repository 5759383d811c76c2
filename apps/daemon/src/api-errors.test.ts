import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, apiError, healthProblem } from './api-errors.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SRC = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('one error table (issue 15.1)', () => {
  it('the README table lists every code with its status, message and hint, and nothing else', () => {
    const section = README.split('<!-- errors:start -->')[1]?.split('<!-- errors:end -->')[0] ?? '';
    const rows = [...section.matchAll(/^\| `(ENDPOINTD_[A-Z_]+)` \| (\d+|health) \| (.*?) \| (.*?) \|$/gm)].map((m) => [
      m[1],
      {
        status: m[2] === 'health' ? null : Number(m[2]),
        message: m[3]?.replaceAll('\\|', '|'),
        hint: m[4] === '' ? null : m[4]?.replaceAll('\\|', '|'),
      },
    ]);
    expect(Object.fromEntries(rows)).toEqual(API_ERRORS);
  });
  it('the daemon names no ENDPOINTD_* code that the table does not define', () => {
    const known = new Set(Object.keys(API_ERRORS));
    // Environment variables and internal probe codes share the prefix; they are not API codes.
    const notCodes = new Set(['ENDPOINTD_HOME', 'ENDPOINTD_CONNECT_TO', 'ENDPOINTD_DEBUG', 'ENDPOINTD_PROBE_TIMEOUT']);
    const stray: string[] = [];
    for (const file of sources(SRC)) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"`](ENDPOINTD_[A-Z_]+)['"`]/g)) {
        if (code && !known.has(code) && !notCodes.has(code) && !code.endsWith('_BIN')) stray.push(`${file}: ${code}`);
      }
    }
    expect(stray).toEqual([]);
  });
  it('fills the templates; an override hint wins; health problems carry no status', () => {
    expect(apiError('ENDPOINTD_BACKEND_EXISTS', { name: 'app' })).toMatchObject({
      statusCode: 409,
      code: 'ENDPOINTD_BACKEND_EXISTS',
      message: 'a backend named "app" already exists',
      hint: 'Choose another name, or remove the existing backend first.',
    });
    expect(apiError('ENDPOINTD_BACKEND_NOT_FOUND', { name: 'x' }, { hint: 'Known backends: a.' }).hint).toBe('Known backends: a.');
    expect(apiError('ENDPOINTD_INTERNAL').hint).toBeUndefined();
    expect(healthProblem('ENDPOINTD_PLUGIN_FAILED', { source: 'p', detail: 'boom', hint: 'fix it' })).toEqual({
      code: 'ENDPOINTD_PLUGIN_FAILED',
      message: 'plugin p: boom',
      hint: 'fix it',
    });
  });
});
