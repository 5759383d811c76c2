import { describe, expect, it } from 'vitest';
import { formatHint, REASON_HINTS } from './reasons.js';

describe('reason table', () => {
  // The enum and the README table are checked, with every provider's, in apps/daemon/src/readme-tables.test.ts.
  it('hints are single actionable sentences', () => {
    for (const hint of Object.values(REASON_HINTS)) {
      expect(hint).toMatch(/[.)]$/);
      expect(hint.split(/\. [A-Z]/).length).toBeLessThanOrEqual(2);
    }
  });
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(formatHint('backend-not-listening', { backendPort: 3000 })).toContain('port 3000');
    expect(formatHint('bound-to-loopback', {})).toContain('{bound}');
  });
});
