import type { Provider } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';

/** The providers endpointd ships with; the daemon and the one-shot CLI share this list. */
export function createBuiltinProviders(): Provider[] {
  return [createLanProvider()];
}
