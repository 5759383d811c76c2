import { join } from 'node:path';
import type { DaemonConfig, Provider } from '@endpointd/core';
import { createCloudflareProvider } from '@endpointd/provider-cloudflare';
import { createLanProvider } from '@endpointd/provider-lan';
import { createRelayProvider } from '@endpointd/provider-relay';
import { createSshProvider } from '@endpointd/provider-ssh';
import { createTailscaleProvider } from '@endpointd/provider-tailscale';
import { HOME_FILES } from './home.js';

/**
 * The providers endpointd ships with. The daemon passes its home: tunnels exist only under a
 * daemon, which keeps their pid files in $ENDPOINTD_HOME/run. The one-shot CLI has none to report.
 */
export function createBuiltinProviders(daemon?: { home: string; tunnelStall?: DaemonConfig['tunnelStall'] }): Provider[] {
  const tailscale = createTailscaleProvider();
  // The ssh recipe names this machine by its MagicDNS name when Tailscale has one.
  const ssh = createSshProvider(
    { readSshdConfig: daemon ? 'always' : 'when-listening', ...(daemon ? { runDir: join(daemon.home, HOME_FILES.run) } : {}) },
    { hostName: () => tailscale.magicDnsName() },
  );
  const providers: Provider[] = [createLanProvider(), tailscale, ssh];
  if (daemon)
    providers.push(
      createCloudflareProvider({
        runDir: join(daemon.home, HOME_FILES.run),
        ...(daemon.tunnelStall?.unreachableAfterMs ? { stalledAfterMs: daemon.tunnelStall.unreachableAfterMs } : {}),
        ...(daemon.tunnelStall?.restartAfterMs ? { restartStalledAfterMs: daemon.tunnelStall.restartAfterMs } : {}),
      }),
      createRelayProvider(),
    );
  return providers;
}
