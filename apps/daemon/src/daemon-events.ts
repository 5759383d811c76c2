import type { DefaultChange, DiscoveredService, EndpointList, Exposure, ProviderStatus } from '@endpointd/core';
import { EventEmitter } from 'eventemitter3';

/** Events the daemon publishes on /v1/events, by contract name. */
export interface DaemonEvents {
  endpoints: [list: EndpointList];
  default: [change: DefaultChange];
  exposure: [exposure: Exposure];
  provider: [providers: ProviderStatus[]];
  discovered: [change: { services: DiscoveredService[] }];
}

export type DaemonEmitter = EventEmitter<DaemonEvents>;

export function createDaemonEmitter(): DaemonEmitter {
  return new EventEmitter<DaemonEvents>();
}
