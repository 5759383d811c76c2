// What endpointd-relay and the relay provider agree on. The agent opens an ordinary HTTP/1.1
// request that asks to upgrade (so nginx, Caddy and other reverse proxies pass it like a
// WebSocket), then the connection carries HTTP/2 with the relay as client and the agent as
// server: Node's own multiplexer, with per-stream flow control, so one slow download does not
// stall the others. WebSocket upgrades travel as extended CONNECT streams (RFC 8441
// `:protocol`), carrying the client's HTTP/1.1 handshake and frames end to end.

/** The path agents connect to, on the relay's public listener. Public requests never reach it. */
export const AGENT_PATH = '/_endpointd/agent';
/** The relay's authenticated status route. */
export const STATUS_PATH = '/_endpointd/status';
/** Every path under this prefix belongs to the relay, not to a backend. */
export const RESERVED_PREFIX = '/_endpointd/';
/** The Upgrade token. */
export const UPGRADE_PROTOCOL = 'endpointd-relay/1';
/** Request header: the public name the agent asks for. */
export const NAME_HEADER = 'x-endpointd-name';
/** 101 response header: the URL the public reaches the backend at. */
export const PUBLIC_URL_HEADER = 'x-endpointd-public-url';
/** GOAWAY opaque data when a newer agent took the name over. */
export const REPLACED = 'replaced';
/** A public name: one DNS label. */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why the relay refused an agent: the JSON body of a 4xx answer to the upgrade request. */
export type RelayRefusal = { code: 'bad-token' | 'bad-name' | 'name-not-served'; message: string };

/** Hop-by-hop headers (RFC 9110 7.6.1) and the ones HTTP/2 forbids: never forwarded. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);
