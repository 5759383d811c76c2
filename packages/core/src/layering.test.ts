import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import * as schema from './schema/index.js';

// Packages with one job each: who may import whom, and core's index holding what others use.
const ROOT = new URL('../../../', import.meta.url);
const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.includes('/dist/'));
const text = (f: string) => readFileSync(new URL(f, ROOT), 'utf8');
const importsOf = (f: string) =>
  [...text(f).matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2] ?? '');

describe('layering', () => {
  it('core knows no provider, daemon or client', () => {
    for (const f of files.filter((x) => x.startsWith('packages/core/src/'))) {
      expect(
        importsOf(f).filter((i) => /^@endpointd\/(?!core)/.test(i)),
        f,
      ).toEqual([]);
    }
  });
  it('the GUI client imports only core’s schemas; the daemon’s client entry never the CLI or the server', () => {
    for (const f of files.filter((x) => x.startsWith('packages/client/src/') && !x.endsWith('.test.ts'))) {
      expect(
        importsOf(f).filter((i) => i.startsWith('@endpointd/') && i !== '@endpointd/core/schema'),
        f,
      ).toEqual([]);
    }
    for (const f of files.filter((x) => x.startsWith('apps/daemon/src/client/'))) {
      expect(
        importsOf(f).filter((i) => /cli\/|daemon-flags|server|routes\//.test(i)),
        f,
      ).toEqual([]);
    }
  });
  it('a provider imports core only, never another provider or the daemon', () => {
    for (const f of files.filter((x) => /^packages\/provider-[a-z]+\/src\//.test(x) && !x.endsWith('.test.ts'))) {
      expect(
        importsOf(f).filter((i) => i.startsWith('@endpointd/') && i !== '@endpointd/core'),
        f,
      ).toEqual([]);
    }
  });
});

describe('core’s index', () => {
  it('exports, beside the schemas, only what another package imports', () => {
    const outside = files
      .filter((f) => !f.startsWith('packages/core/'))
      .map(text)
      .join('\n');
    const unused = Object.keys(core)
      .filter((name) => !(name in schema))
      .filter((name) => !new RegExp(`import[^;]*\\b${name}\\b[^;]*from '@endpointd/core'`).test(outside));
    expect(unused).toEqual([]);
  });
});
