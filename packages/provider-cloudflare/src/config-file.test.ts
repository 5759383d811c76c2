import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeCloudflaredConfig } from './config-file.js';

describe('cloudflared config file (issue 9.6)', () => {
  it('keeps a value with newlines as one string: nothing can inject keys', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'endpointd-cf-')), 'c.yml');
    const hostile = '/tmp/creds.json\ningress:\n  - service: http://evil.example\nprotocol: http2';
    writeCloudflaredConfig(file, {
      'no-autoupdate': true,
      tunnel: '6ff42ae2-765d-4adf-8112-31c55c1551ef',
      'credentials-file': hostile,
      ingress: [{ hostname: 'app.example.com', service: 'http://127.0.0.1:3000' }, { service: 'http_status:404' }],
    });
    const parsed = parse(readFileSync(file, 'utf8'));
    expect(Object.keys(parsed).sort()).toEqual(['credentials-file', 'ingress', 'no-autoupdate', 'tunnel']);
    expect(parsed['credentials-file']).toBe(hostile);
    expect(parsed.ingress).toHaveLength(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
