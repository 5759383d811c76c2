import { describe, expect, it } from 'vitest';
import { checkCandidate } from './candidate-check.js';

const types = ['custom', 'lan'];

describe('candidate check (issue 9.5)', () => {
  it('accepts a well-formed candidate', () => {
    expect(checkCandidate({ type: 'custom', url: 'https://dash.example.com/', label: 'Dash' }, types)).toMatchObject({ ok: true });
  });
  it.each([
    [{ type: 'custom', url: 'http://999.1.1.1/', label: 'x' }, /not a valid http\(s\) URL/],
    [{ type: 'custom', url: 'http://bad name.example/', label: 'x' }, /not a valid http\(s\) URL/],
    [{ type: 'custom', url: 'ftp://files.example/', label: 'x' }, /not a valid http\(s\) URL/],
    [{ type: 'custom', url: 'http://user:pw@host.example/', label: 'x' }, /credentials/],
    [{ type: 'tailscale-ip', url: 'http://100.64.0.1/', label: 'x' }, /not one the provider declared/],
    [{ type: 'carrier-pigeon', url: 'http://a.example/', label: 'x' }, /^type:/],
    [{ type: 'custom', url: 42, label: 'x' }, /^url:/],
    [null, /candidate/],
  ])('refuses %j with a reason', (raw, why) => {
    const result = checkCandidate(raw, types);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toMatch(why);
  });
});
