import type { ExposeContext, Provider } from '@endpointd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDaemonEvent, startHttpBackend, startInProcess, staticBackend } from './testing/in-process.js';

/** A plugin that fails its exposure with a reason outside the closed set (plugins are not type-checked). */
const odd: Provider = {
  id: 'odd',
  types: ['relay'],
  exposureTypes: ['relay'],
  discover: async () => ({ candidates: [] }),
  async expose(ctx: ExposeContext) {
    ctx.update({ state: 'failed', reason: 'moon-phase' as never, error: 'the moon is wrong', permanent: true });
  },
};

describe('exposure reasons stay in the closed set (issue 15.2, in process)', () => {
  let backend: Awaited<ReturnType<typeof startHttpBackend>>;
  beforeAll(async () => {
    backend = await startHttpBackend('reasons');
  });
  afterAll(async () => {
    await backend.close();
  });
  it('reads a plugin’s unknown reason as tool-failed, with its error kept and a hint', async () => {
    const d = await startInProcess({ backends: [staticBackend('app', backend.port)], providers: [odd] });
    try {
      const failed = nextDaemonEvent(d, 'exposure', (x) => x.state === 'failed', 5_000);
      expect((await d.call('POST', '/v1/backends/app/exposures', { type: 'relay' })).statusCode).toBe(202);
      expect(await failed).toMatchObject({ reason: 'tool-failed', error: 'the moon is wrong', hint: expect.stringContaining('odd') });
    } finally {
      await d.close();
    }
  });
});
