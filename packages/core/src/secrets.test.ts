import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, REDACTED, redactSecrets, registerSecret } from './secrets.js';

describe('secrets redacted by value', () => {
  afterEach(clearSecrets);
  it('replaces every occurrence of a registered value, and each line of a multi-line one', () => {
    registerSecret('eyJhIjoiMTIzNDU2Nzg5MCJ9.token-value\nsecond-line-secret\n');
    expect(redactSecrets('failed: eyJhIjoiMTIzNDU2Nzg5MCJ9.token-value (twice eyJhIjoiMTIzNDU2Nzg5MCJ9.token-value)')).toBe(
      `failed: ${REDACTED} (twice ${REDACTED})`,
    );
    expect(redactSecrets('got second-line-secret')).toBe(`got ${REDACTED}`);
  });
  it('ignores values too short to be secrets, so ordinary words survive', () => {
    registerSecret('abc');
    expect(redactSecrets('abc def')).toBe('abc def');
  });
});
