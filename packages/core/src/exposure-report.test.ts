import { describe, expect, it } from 'vitest';
import { createChangeNotifier, createExposureReporter } from './exposure-report.js';
import type { ExposureUpdate } from './schema/exposure.js';

describe('createExposureReporter', () => {
  const setup = () => {
    const updates: ExposureUpdate[] = [];
    const r = createExposureReporter({ update: (u) => updates.push(u) }, (reason, detail) => `${reason}: ${detail}`);
    return { updates, r };
  };
  it('reports a failure while starting as failed, a permanent one as permanent, and a drop while up as starting again', () => {
    const { updates, r } = setup();
    r.down({ reason: 'start-timed-out', error: 'not ready', phase: 'start' });
    r.down({ reason: 'auth-failed', error: 'Permission denied', phase: 'run', permanent: true });
    r.down({ reason: 'disconnected', error: 'closed by remote host', phase: 'run' });
    expect(updates).toEqual([
      { state: 'failed', reason: 'start-timed-out', hint: 'start-timed-out: not ready', error: 'not ready' },
      { state: 'failed', reason: 'auth-failed', hint: 'auth-failed: Permission denied', error: 'Permission denied', permanent: true },
      { state: 'starting', reason: 'disconnected', hint: 'disconnected: closed by remote host', error: 'closed by remote host' },
    ]);
  });
  it('keeps a tool’s long error to 300 characters', () => {
    const { updates, r } = setup();
    r.fail('tool-failed', 'x'.repeat(1_000));
    expect(updates[0]?.error).toHaveLength(300);
  });
});

describe('createChangeNotifier', () => {
  it('tells every watcher until it unsubscribes', () => {
    const n = createChangeNotifier();
    let a = 0;
    let b = 0;
    const stopA = n.watch(() => a++);
    n.watch(() => b++);
    n.notify();
    stopA();
    n.notify();
    expect([a, b]).toEqual([1, 2]);
  });
});
