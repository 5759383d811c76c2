import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatHint, REASON_HINTS } from './reasons.js';
import { Reason } from './schema/reason.js';

describe('reason table', () => {
  it('has exactly one hint for every reason of the zod enum', () => {
    expect(Object.keys(REASON_HINTS).sort()).toEqual([...Reason.options].sort());
  });
  it('lists every reason in the README with its hint, and nothing else', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.split('<!-- reasons:start -->')[1]?.split('<!-- reasons:end -->')[0] ?? '';
    // Tolerates the padding a Markdown formatter adds to table cells.
    const rows = [...section.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(.*?)\s*\|\s*$/gm)].map((m) => [m[1], m[2]?.replaceAll('\\|', '|')]);
    expect(Object.fromEntries(rows)).toEqual(REASON_HINTS);
  });
  it('hints are single actionable sentences', () => {
    for (const hint of Object.values(REASON_HINTS)) {
      expect(hint).toMatch(/[.)]$/);
      expect(hint.split(/\. [A-Z]/).length).toBeLessThanOrEqual(2);
    }
  });
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(formatHint('backend-not-listening', { port: 3000 })).toContain('port 3000');
    expect(formatHint('bound-to-loopback', {})).toContain('{bound}');
  });
});
