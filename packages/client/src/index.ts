// @endpointd/client: the typed client of the endpointd API for GUIs — browsers, Electron's
// renderer and Node alike (fetch and a streaming SSE reader; no Node-only import).

// The schemas a GUI validates and types with: the API's own, from core.
export {
  ApiError,
  BackendInfo,
  BackendSnapshot,
  ClientReport,
  DaemonEventName,
  DefaultChange,
  DefaultResolution,
  DiscoveredService,
  Endpoint,
  EndpointList,
  EndpointReports,
  EndpointStatus,
  EndpointType,
  Exposure,
  ExposureState,
  ExposureType,
  Health,
  ProviderStatus,
  ReportAccepted,
  Scope,
  StreamReset,
} from '@endpointd/core/schema';
export {
  CLIENT_TIMEOUT_MS,
  createEndpointdClient,
  type DaemonEvent,
  DaemonUnreachableError,
  EndpointdApiError,
  type EndpointdClient,
  type EndpointdClientOptions,
} from './endpointd-client.js';
export { TRY_TIMEOUT_MS, type TryEndpointsOptions, tryEndpoints } from './reachability.js';
export { fetchTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
