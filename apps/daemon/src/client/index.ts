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
