import { readFileSync } from 'node:fs';
import { REASON_HINTS, Reason } from '@endpointd/core';
import { describe, expect, it } from 'vitest';

// Every reason a client can see is one of core's closed set, with one hint; the README's table
// between <!-- reasons:start --> and <!-- reasons:end --> says exactly that, and no other table of
// reasons exists beside it.
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function tableRows(marker: string): Record<string, string> {
  const section = README.split(`<!-- ${marker}:start -->`)[1]?.split(`<!-- ${marker}:end -->`)[0] ?? '';
  // Tolerates the padding a Markdown formatter adds to table cells.
  const rows = [...section.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(.*?)\s*\|\s*$/gm)].map((m) => [m[1], m[2]?.replaceAll('\\|', '|')]);
  return Object.fromEntries(rows);
}

describe('the README table of failure reasons', () => {
  it('has one hint per reason of the closed set', () => {
    expect(Object.keys(REASON_HINTS).sort()).toEqual([...Reason.options].sort());
  });
  it('lists every reason with its hint, and nothing else', () => {
    expect(tableRows('reasons')).toEqual(REASON_HINTS);
  });
  it('is the only table of reasons', () => {
    expect([...README.matchAll(/<!-- ([a-z-]*reasons):start -->/g)].map((m) => m[1])).toEqual(['reasons']);
  });
});
