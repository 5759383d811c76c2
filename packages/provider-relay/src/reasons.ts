import * as z from 'zod';

/** Why a relay exposure is not up. Kebab-case, naming the cause. */
export const RelayReason = z.enum([
  'relay-unreachable',
  'relay-bad-token',
  'relay-name-refused',
  'relay-refused',
  'relay-disconnected',
  'relay-replaced',
  'unknown',
]);
export type RelayReason = z.infer<typeof RelayReason>;

/** One hint per reason; a test checks the table against the enum and the README. */
export const RELAY_HINTS: Readonly<Record<RelayReason, string>> = Object.freeze({
  'relay-unreachable':
    'endpointd cannot reach the relay: check the relay URL, that endpointd-relay runs, and the proxy in front of it; endpointd keeps trying (1 s doubling to 60 s).',
  'relay-bad-token':
    'The relay refused the agent token: put one of the tokens from its --agent-token-file in the token file, then enable again.',
  'relay-name-refused':
    'The relay does not serve this name (it runs with --single another name, or the name is not one DNS label): use --name to pick the one it serves.',
  'relay-refused': 'The relay answered the connection with an error: check its logs and the proxy in front of it; endpointd keeps trying.',
  'relay-disconnected': 'The connection to the relay dropped: endpointd reconnects by itself (1 s doubling to 60 s).',
  'relay-replaced':
    'Another machine connected to the relay under the same name and took it over: give this one another --name, then enable again.',
  unknown: 'The relay connection failed: run `endpoints doctor` and check the relay logs.',
});
