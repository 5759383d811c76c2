import { readFileSync } from 'node:fs';
import {
  BackoffOptions,
  backoffDelay,
  type CandidateInput,
  type ConnectToMap,
  createChangeNotifier,
  createExposureReporter,
  type DiscoverContext,
  type DiscoverResult,
  delay,
  ExistingFile,
  type ExposeContext,
  formatHint,
  type Provider,
  parseConnectTo,
  type Reason,
  registerSecret,
} from '@endpointd/core';
import * as z from 'zod';
import { type AgentConnection, connectAgent, RelayRefusedError, RelayUnreachableError } from './agent.js';
import { NAME_PATTERN } from './protocol.js';

/** Options of the relay provider. */
export const RelayProviderOptions = z.object({
  /** ENDPOINTD_CONNECT_TO for the connection to the relay. @default parsed from the environment */
  connectTo: z.custom<ConnectToMap>((v) => v instanceof Map).optional(),
  /** One connection attempt may take this long (ms). @default 10000 */
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  ...BackoffOptions.shape,
});
export type RelayProviderOptions = z.input<typeof RelayProviderOptions>;

const RelayUrl = z.string().refine((u) => URL.canParse(u) && ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(u).protocol), {
  error: 'relayUrl must be an http(s) or ws(s) URL such as https://relay.example.com',
});

const ExposeOptions = z
  .object({
    relayUrl: RelayUrl,
    tokenFile: ExistingFile('tokenFile'),
    /** The public name under the relay's base domain. @default the backend's name */
    name: z.string().regex(NAME_PATTERN, 'name must be one DNS label (a-z, 0-9, -)').optional(),
  })
  .strict();

/** Refusals retrying cannot fix: the exposure stays failed until enabled again. */
function refusalReason(err: RelayRefusedError): { reason: Reason; permanent: boolean } {
  if (err.status === 401 || err.refusal?.code === 'bad-token') return { reason: 'relay-bad-token', permanent: true };
  if (err.refusal?.code === 'name-not-served' || err.refusal?.code === 'bad-name') return { reason: 'relay-name-refused', permanent: true };
  return { reason: 'relay-refused', permanent: false };
}

/** Reach a backend through a self-hosted endpointd-relay: an outbound connection the relay forwards public traffic through. */
export function createRelayProvider(options: RelayProviderOptions = {}, deps: { env?: NodeJS.ProcessEnv } = {}): Provider {
  const config = Object.freeze(RelayProviderOptions.parse(options));
  const connectTo = config.connectTo ?? parseConnectTo((deps.env ?? process.env).ENDPOINTD_CONNECT_TO);
  /** backend name → the public URL while connected (kept, marked down, while reconnecting). */
  const urls = new Map<string, string>();
  const changes = createChangeNotifier();
  const changed = changes.notify;

  async function discover(ctx: DiscoverContext): Promise<DiscoverResult> {
    const url = urls.get(ctx.backend.name);
    const candidates: CandidateInput[] = url ? [{ type: 'relay', url, label: 'endpointd relay (public)' }] : [];
    return { candidates };
  }

  async function expose(ctx: ExposeContext): Promise<void> {
    const { backend, signal } = ctx;
    const opts = ExposeOptions.parse(ctx.options);
    const name = (opts.name ?? backend.name).toLowerCase();
    const report = createExposureReporter(ctx, (reason, detail) =>
      formatHint(reason, { tool: 'The relay connection', peer: 'the relay', provider: 'relay', detail }),
    );
    const fail = (reason: Reason, error: string, permanent = false) => report.fail(reason, error, { permanent });
    let failures = 0;
    ctx.update({ state: 'starting' });
    while (!signal.aborted) {
      // Read at every attempt: a token rotated in the file is picked up without re-enabling.
      let token: string;
      try {
        token = readFileSync(opts.tokenFile, 'utf8').trim();
      } catch {
        fail('relay-bad-token', 'the token file cannot be read', true);
        return;
      }
      registerSecret(token);
      let connection: AgentConnection;
      try {
        connection = await connectAgent({
          relayUrl: opts.relayUrl,
          token,
          name,
          backendPort: backend.port,
          signal,
          timeoutMs: config.connectTimeoutMs,
          connectTo,
        });
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof RelayRefusedError) {
          const { reason, permanent } = refusalReason(err);
          fail(reason, err.message, permanent);
          if (permanent) return;
        } else {
          fail('relay-unreachable', err instanceof RelayUnreachableError ? err.message : String(err));
        }
        await delay(backoffDelay(failures++, config.backoffInitialMs, config.backoffMaxMs), signal);
        continue;
      }
      failures = 0;
      urls.set(backend.name, connection.publicUrl);
      ctx.update({ state: 'active', url: connection.publicUrl });
      changed();
      const ended = await connection.closed;
      if (signal.aborted) break;
      if (ended === 'replaced') {
        urls.delete(backend.name);
        changed();
        fail('relay-replaced', `another agent connected to the relay as "${name}"`, true);
        return;
      }
      // Dropped: the URL stays listed (and now fails verification) until the connection is back.
      report.fail('disconnected', 'the relay connection dropped', { retrying: true });
      changed();
      await delay(backoffDelay(failures++, config.backoffInitialMs, config.backoffMaxMs), signal);
    }
    urls.delete(backend.name);
    changed();
  }

  return Object.freeze({
    id: 'relay',
    types: Object.freeze(['relay'] as const),
    exposureTypes: Object.freeze(['relay'] as const),
    exposureOptions: { relay: ExposeOptions },
    discover,
    expose,
    watch: changes.watch,
  });
}
