export { type AgentConnection, connectAgent, RelayRefusedError, RelayUnreachableError } from './agent.js';
export * from './protocol.js';
export { createRelayProvider, RelayProviderOptions } from './provider.js';
