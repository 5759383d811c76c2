import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BackendInfo } from '@endpointd/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { startInProcess } from './testing/in-process.js';

const T3_FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/t3code.mjs', import.meta.url));

describe('opt-in automatic adoption (issue 14)', () => {
  it('adopts a discovered T3 Code server by itself when autoAdopt names it, with its identity check', async () => {
    const d = await startInProcess({ discovery: true, autoAdopt: ['t3code'] });
    const child = spawn(process.execPath, [T3_FIXTURE, '--id', 'env_auto'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((r) =>
        child.stdout.once('data', (c: Buffer) => r(Number(/ready (\d+)/.exec(c.toString())?.[1]))),
      );
      const Backends = z.object({ backends: z.array(BackendInfo) });
      await expect
        .poll(async () => Backends.parse((await d.call('GET', '/v1/backends')).json()).backends.find((b) => b.port === port), {
          timeout: 5_000,
        })
        .toMatchObject({ name: `t3code-${port}`, identity: { kind: 'json-field', field: 'environmentId' } });
    } finally {
      child.kill();
      await d.close();
    }
  });

  it('adopts nothing by itself without autoAdopt', async () => {
    const d = await startInProcess({ discovery: true });
    const child = spawn(process.execPath, [T3_FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((r) =>
        child.stdout.once('data', (c: Buffer) => r(Number(/ready (\d+)/.exec(c.toString())?.[1]))),
      );
      await expect
        .poll(async () => (await d.call('GET', '/v1/discovered')).json().services.some((s: { port: number }) => s.port === port), {
          timeout: 5_000,
        })
        .toBe(true);
      expect((await d.call('GET', '/v1/backends')).json().backends).toEqual([]);
    } finally {
      child.kill();
      await d.close();
    }
  });
});
