import { afterAll } from 'vitest';

// A process warning (MaxListenersExceededWarning from a leaked listener, a deprecation) is a
// defect: the run fails on any, in the test process as in the daemons the tests start.
const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
afterAll(() => {
  if (warnings.length > 0) throw new Error(`process warnings during the tests: ${warnings.join('; ')}`);
});
