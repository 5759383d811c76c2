import { existsSync, readFileSync } from 'node:fs';
import {
  AUTO_DEFAULT_ORDER,
  BrowserVerdict,
  Endpoint,
  EndpointType,
  ExposureType,
  scopeFor,
  stabilityFor,
  Verification,
} from '@endpointd/core';
import { describe, expect, it } from 'vitest';

// docs/contract.md is the interface clients rely on; its tables are checked against the schemas.
const DOC = readFileSync(new URL('../../../docs/contract.md', import.meta.url), 'utf8');

describe('docs/contract.md agrees with the schemas', () => {
  const section = DOC.split('## Endpoint types')[1]?.split('## Endpoint object')[0] ?? '';
  const rows = [...section.matchAll(/^\| `([a-z-]+)` \| [^|]+ \| .+ \| (`[a-z-]+`|as configured) \| `([a-z-]+)` \|$/gm)].map((m) => [
    m[1],
    m[2]?.replaceAll('`', ''),
    m[3],
  ]);

  it('lists every endpoint type, in the enum order', () => {
    expect(rows.map((r) => r[0])).toEqual([...EndpointType.options]);
  });
  it('gives each type the scope core gives it', () => {
    for (const [type, scope] of rows) {
      if (type === 'custom') expect(scope).toBe('as configured');
      else expect(scopeFor(EndpointType.parse(type), 'example.com', null)).toBe(scope);
    }
  });
  it('gives each type the stability core gives it', () => {
    for (const [type, , stability] of rows) expect(stabilityFor(EndpointType.parse(type)), type).toBe(stability);
  });
  it('documents every endpoint field', () => {
    const objectSection = DOC.split('## Endpoint object')[1]?.split('## ')[0] ?? '';
    for (const key of Object.keys(Endpoint.shape)) expect(objectSection, key).toMatch(new RegExp(`\\b${key}\\b`));
    for (const key of Object.keys(BrowserVerdict.shape)) expect(objectSection, key).toContain(key);
  });
  it('documents every verification field', () => {
    const objectSection = DOC.split('## Endpoint object')[1]?.split('## ')[0] ?? '';
    for (const key of Object.keys(Verification.shape)) expect(objectSection, key).toMatch(new RegExp(`\\b${key}\\b`));
  });
  it('states the automatic default order', () => {
    const text = DOC.split('With nothing saved: the first verified of')[1]?.split('Loopback')[0] ?? '';
    expect([...text.matchAll(/`([a-z-]+)`/g)].map((m) => m[1])).toEqual([...AUTO_DEFAULT_ORDER]);
  });
  it('names every exposure type with its options', () => {
    const text = DOC.split('Exposure types:')[1]?.split('Events on')[0] ?? '';
    expect([...text.matchAll(/`([a-z-]+)` \(/g)].map((m) => m[1])).toEqual([...ExposureType.options]);
  });
});

describe('the README is self-contained (issue 10.4)', () => {
  it('links only to files in the repository that exist', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link, link).not.toMatch(/^[a-z]+:|^\.\.\//i);
      if (!link.startsWith('#')) expect(existsSync(new URL(`../../../${link.split('#')[0]}`, import.meta.url)), link).toBe(true);
    }
  });
});
