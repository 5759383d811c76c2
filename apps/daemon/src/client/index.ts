export {
  CLIENT_TIMEOUT_MS,
  createEndpointdClient,
  type DaemonEvent,
  DaemonUnreachableError,
  EndpointdApiError,
  type EndpointdClient,
  type EndpointdClientOptions,
} from './endpointd-client.js';
export { connectLocalDaemon, localDaemonUrl } from './local-daemon.js';
export { fetchTransport, nodeHttpTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
