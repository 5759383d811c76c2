import type { DefaultChange, EndpointList } from '@endpointd/core';
import { Backend } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportBook, MAX_CLIENTS_PER_BACKEND } from './report-book.js';
import { type InProcessDaemon, startHttpBackend, startInProcess } from './testing/in-process.js';

describe('report book (unit)', () => {
  it('keeps the latest result per device, expires them, and stays bounded', () => {
    let t = 0;
    const book = createReportBook({ ttlMs: 1_000, now: () => t });
    const known = new Set(['a', 'b']);
    expect(
      book.record(
        'app',
        {
          client: { id: 'phone', label: 'Phone' },
          results: [
            { endpointId: 'a', ok: false, failure: 'timeout' },
            { endpointId: 'zzz', ok: true },
          ],
        },
        known,
      ),
    ).toEqual({ accepted: 1, ignored: ['zzz'] });
    expect(book.summary('app', 'a')).toMatchObject({
      reached: 0,
      failed: 1,
      allFailed: true,
      clients: [{ clientId: 'phone', label: 'Phone', failure: 'timeout' }],
    });
    t = 500;
    book.record('app', { client: { id: 'laptop' }, results: [{ endpointId: 'a', ok: true, latencyMs: 4 }] }, known);
    expect(book.summary('app', 'a')).toMatchObject({ reached: 1, failed: 1, allFailed: false });
    expect(book.summary('app', 'a')?.clients.map((c) => c.clientId)).toEqual(['laptop', 'phone']); // newest first
    t = 1_200; // the phone's result expired, the laptop's not
    expect(book.summary('app', 'a')).toMatchObject({ reached: 1, failed: 0, allFailed: false });
    t = 1_600;
    expect(book.summary('app', 'a')).toBeUndefined();
    for (let i = 0; i < MAX_CLIENTS_PER_BACKEND + 10; i++)
      book.record('app', { client: { id: `d${i}` }, results: [{ endpointId: 'b', ok: true }] }, known);
    expect(book.summary('app', 'b')?.clients).toHaveLength(MAX_CLIENTS_PER_BACKEND);
  });
});

describe('POST /v1/backends/:name/reports (issue 11.9, in process)', () => {
  let d: InProcessDaemon;
  let backend: Awaited<ReturnType<typeof startHttpBackend>>;
  let list: EndpointList;
  beforeAll(async () => {
    backend = await startHttpBackend('rep');
    const customUrls = [{ url: `http://127.0.0.1:${backend.port}/` }, { url: `http://localhost:${backend.port}/` }];
    d = await startInProcess({
      backends: [{ backend: Backend.parse({ name: 'app', port: backend.port, customUrls }), source: 'flag' }],
      providers: [createLanProvider()],
    });
    list = (await d.call('GET', '/v1/backends/app/endpoints?refresh=true')).json() as EndpointList;
  });
  afterAll(async () => {
    await d.close();
    await backend.close();
  });
  const customs = () => list.endpoints.filter((e) => e.type === 'custom');

  it('shows who reached an endpoint and who failed, and demotes one that every reporting device failed', async () => {
    const [first, second] = customs();
    expect(first?.status).toBe('verified');
    expect(list.default.endpointId).toBe(first?.id);
    const moved = new Promise<DefaultChange>((resolve) => d.daemon.events.once('default', resolve));
    const r = await d.call('POST', '/v1/backends/app/reports', {
      client: { id: 'phone-1', label: 'Pixel' },
      results: [
        { endpointId: first?.id, ok: false, failure: 'timeout' },
        { endpointId: second?.id, ok: true, latencyMs: 12.5 },
        { endpointId: 'custom-doesnotexist', ok: true },
      ],
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ accepted: 2, ignored: ['custom-doesnotexist'] });
    const change = await moved;
    expect(change.default.endpointId).toBe(second?.id);
    expect(change.why).toMatch(/verified here, but 1 device could not reach it/);
    const after = (await d.call('GET', '/v1/backends/app/endpoints')).json() as EndpointList;
    const demoted = after.endpoints.find((e) => e.id === first?.id);
    expect(demoted?.status).toBe('verified');
    expect(demoted?.reports).toMatchObject({
      reached: 0,
      failed: 1,
      allFailed: true,
      clients: [{ clientId: 'phone-1', label: 'Pixel', ok: false, failure: 'timeout' }],
    });
    expect(after.endpoints.find((e) => e.id === second?.id)?.reports).toMatchObject({
      reached: 1,
      allFailed: false,
      clients: [{ latencyMs: 12.5 }],
    });
    expect(after.default).toMatchObject({ type: 'custom', endpointId: second?.id });
    expect(after.default.why).toMatch(/\(custom\) is verified here, but 1 device that reported could not reach it, so custom is used/);
  });

  it('refuses a malformed report with a field-by-field 400, and an unknown backend with 404', async () => {
    const bad = await d.call('POST', '/v1/backends/app/reports', { client: { id: 'has space' }, results: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/client\.id: must be 1 to 64 letters.*results: must have at least 1 item/);
    expect(bad.body).not.toMatch(/zod|ZodError|invalid_type|at Object\./);
    const unknown = await d.call('POST', '/v1/backends/nope/reports', { client: { id: 'x' }, results: [{ endpointId: 'a', ok: true }] });
    expect(unknown.statusCode).toBe(404);
  });
});
