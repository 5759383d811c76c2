import type { Provider } from '@endpointd/core';
import { createLanProvider } from '@endpointd/provider-lan';
import { createTailscaleProvider } from '@endpointd/provider-tailscale';

/** The providers endpointd ships with; the daemon and the one-shot CLI share this list. */
export function createBuiltinProviders(): Provider[] {
  return [createLanProvider(), createTailscaleProvider()];
}
