import { describe, expect, it } from 'vitest';
import type { ProbeAnswer } from './http-probe.js';
import { fingerprintAnswer, fingerprintReference, matchesFingerprint, readJsonField } from './identity.js';
import { parseIdentitySpec } from './identity-spec.js';

const answer = (
  body: string,
  headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' },
  status = 200,
): ProbeAnswer => ({
  ok: true,
  status,
  headers,
  body: Buffer.from(body),
  latencyMs: 1,
  address: '127.0.0.1',
  tls: null,
});

describe('fingerprints', () => {
  it('ignore the authority a page echoes, so the same app matches on every address', () => {
    const a = fingerprintAnswer(answer('<a href="http://127.0.0.1:3000/x">'), '127.0.0.1:3000');
    const b = fingerprintAnswer(answer('<a href="http://10.0.0.4:3000/x">'), '10.0.0.4:3000');
    expect(matchesFingerprint(a, 'strong', b)).toBe(true);
  });
  it('become weak when two loopback samples differ, comparing title and type only', () => {
    const a = fingerprintAnswer(answer('<title>App</title>1'), 'x');
    const b = fingerprintAnswer(answer('<title>App</title>2'), 'x');
    const ref = fingerprintReference(a, b);
    expect(ref).toMatchObject({ kind: 'fingerprint', strength: 'weak' });
    expect(matchesFingerprint(a, 'weak', fingerprintAnswer(answer('<title>App</title>3'), 'x'))).toBe(true);
    expect(matchesFingerprint(a, 'weak', fingerprintAnswer(answer('<title>Other</title>3'), 'x'))).toBe(false);
  });
  it('ignore the Server header a reverse proxy rewrites', () => {
    const direct = fingerprintAnswer(answer('<p>x</p>', { 'content-type': 'text/html', server: 'node' }), 'x');
    const proxied = fingerprintAnswer(answer('<p>x</p>', { 'content-type': 'text/html', server: 'nginx/1.22.1' }), 'x');
    expect(matchesFingerprint(direct, 'strong', proxied)).toBe(true);
  });
  it('in weak mode tell apart pages whose structure differs, even with the same title', () => {
    const a = fingerprintAnswer(answer('<title>App</title><div><p>1</p></div>'), 'x');
    expect(matchesFingerprint(a, 'weak', fingerprintAnswer(answer('<title>App</title><div><p>2</p></div>'), 'x'))).toBe(true);
    expect(matchesFingerprint(a, 'weak', fingerprintAnswer(answer('<title>App</title><form><input></form>'), 'x'))).toBe(false);
    const j = (o: unknown) => fingerprintAnswer(answer(JSON.stringify(o), { 'content-type': 'application/json' }), 'x');
    expect(matchesFingerprint(j({ id: 1, at: 'now' }), 'weak', j({ at: 'later', id: 2 }))).toBe(true);
    expect(matchesFingerprint(j({ id: 1 }), 'weak', j({ name: 'other' }))).toBe(false);
  });
  it('tell a different status or content type apart', () => {
    const a = fingerprintAnswer(answer('same'), 'x');
    expect(matchesFingerprint(a, 'strong', fingerprintAnswer(answer('same', {}, 200), 'x'))).toBe(false);
    expect(matchesFingerprint(a, 'strong', fingerprintAnswer(answer('same', { 'content-type': 'text/html' }, 404), 'x'))).toBe(false);
  });
});

describe('readJsonField', () => {
  it('reads dot paths and refuses objects and non-JSON', () => {
    const body = Buffer.from('{"environmentId":"env-1","nested":{"id":7},"obj":{}}');
    expect(readJsonField(body, 'environmentId')).toBe('env-1');
    expect(readJsonField(body, 'nested.id')).toBe('7');
    expect(readJsonField(body, 'obj')).toBeNull();
    expect(readJsonField(Buffer.from('<html>'), 'environmentId')).toBeNull();
  });
});

describe('parseIdentitySpec', () => {
  it('parses every CLI form', () => {
    expect(parseIdentitySpec('json-field:/.well-known/t3/environment#environmentId').data).toEqual({
      kind: 'json-field',
      path: '/.well-known/t3/environment',
      field: 'environmentId',
    });
    expect(parseIdentitySpec('header:X-Backend-Id=abc').data).toEqual({ kind: 'header', name: 'X-Backend-Id', value: 'abc' });
    expect(parseIdentitySpec('header:X-Backend-Id').data).toEqual({ kind: 'header', name: 'X-Backend-Id' });
    expect(parseIdentitySpec('fingerprint').data).toEqual({ kind: 'fingerprint' });
  });
  it('explains what is wrong', () => {
    expect(parseIdentitySpec('json-field:nopath').success).toBe(false);
    expect(parseIdentitySpec('json-field:/id').success).toBe(false);
    expect(parseIdentitySpec('md5').success).toBe(false);
  });
});
