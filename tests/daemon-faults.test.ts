import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpBackend, startInProcess } from '../apps/daemon/src/testing/in-process.js';
import { netnsUnavailableReason } from './helpers/require-root.js';

// Mounting a tiny tmpfs needs root, like the namespace tests.
const unavailable = netnsUnavailableReason(['mount', 'umount']);

describe.skipIf(unavailable)('failures say what happened: a full or read-only home (issue 9.10)', () => {
  let mountPoint: string;
  let backend: Awaited<ReturnType<typeof startHttpBackend>>;
  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'endpointd-tinyfs-'));
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint]);
    backend = await startHttpBackend('faults');
  });
  afterAll(async () => {
    await backend?.close();
    await execa('umount', ['-l', mountPoint], { reject: false });
  });

  it('answers a typed 503 with a hint when the disk is full, and keeps the state intact', async () => {
    const home = join(mountPoint, 'home');
    mkdirSync(home, { mode: 0o700 });
    const d = await startInProcess({ home });
    expect((await d.call('POST', '/v1/backends', { name: 'kept', port: backend.port })).statusCode).toBe(201);
    const before = readFileSync(join(home, 'state.json'), 'utf8');
    // Fill the file system to the last byte.
    await execa('sh', ['-c', `dd if=/dev/zero of=${join(mountPoint, 'filler')} bs=4k 2>/dev/null || true`]);
    const res = await d.call('POST', '/v1/backends', { name: 'lost', port: backend.port });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      code: 'ENDPOINTD_STATE_NOT_SAVED',
      message: 'the change could not be saved',
      hint: expect.stringMatching(/disk .* is full: free some space.*Nothing was changed/),
    });
    expect(res.body).not.toMatch(/ENOSPC|errno|\n\s+at /);
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toBe(before);
    const names = (await d.call('GET', '/v1/backends')).json().backends.map((b: { name: string }) => b.name);
    expect(names).toEqual(['kept']);
    const def = await d.call('PUT', '/v1/backends/kept/default', { type: 'lan' });
    expect(def.statusCode).toBe(503);
    expect((await d.call('GET', '/v1/backends/kept/default')).json().requestedType).toBeNull();
    await d.close();
    await execa('rm', ['-f', join(mountPoint, 'filler')]);
  });

  it('answers a typed 503 naming the read-only file system', async () => {
    const home = join(mountPoint, 'ro-home');
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, 'state.json'), JSON.stringify({ version: 1, backends: [], defaults: {}, exposures: [] }), { mode: 0o600 });
    const d = await startInProcess({ home });
    await execa('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      const res = await d.call('POST', '/v1/backends', { name: 'x', port: backend.port });
      expect(res.statusCode).toBe(503);
      expect(res.json().hint).toMatch(/read-only file system: set ENDPOINTD_HOME to a writable folder/);
    } finally {
      await execa('mount', ['-o', 'remount,rw', mountPoint]);
      await d.close();
    }
  });
});
