import type { ClientReport, ClientReportResult, Endpoint, ReportFailure } from '@endpointd/core/schema';

/** How long one URL may take on the device before it counts as a timeout. */
export const TRY_TIMEOUT_MS = 4_000;

export interface TryEndpointsOptions {
  /** Stable per device (a random id the app keeps): 1–64 letters, digits, or . _ : - */
  clientId: string;
  /** Shown to the user ("Pixel 8"). */
  label?: string;
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

// 502/503/504 from a proxy and Cloudflare's 52x/530: the URL answered, but not with the backend.
const GATEWAY_ERRORS = new Set([502, 503, 504, 520, 521, 522, 523, 524, 525, 526, 527, 530]);

/** A fetch failure in the report's words: a browser only says "network error"; Node names the cause. */
function failureOf(err: unknown): ReportFailure {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  const code = e?.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'tls';
  return 'network';
}

/**
 * Tries every advertised endpoint from this device (a page on a phone, another laptop) and
 * returns the report its app's backend forwards with `client.report(backend, report)`. Endpoints
 * only this machine or the client itself can use (loopback, an ssh -L recipe) are left out. In a
 * browser the requests are no-cors: reaching the server is what counts, not reading it.
 */
export async function tryEndpoints(
  endpoints: readonly Pick<Endpoint, 'id' | 'url' | 'scope'>[],
  options: TryEndpointsOptions,
): Promise<ClientReport> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? TRY_TIMEOUT_MS;
  const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';
  const targets = endpoints.filter((e) => e.scope !== 'this-machine' && e.scope !== 'client-loopback');
  const results = await Promise.all(
    targets.map(async (e): Promise<ClientReportResult> => {
      const started = performance.now();
      try {
        // cache and mode are browser options (Node's types lack them): a cached answer proves nothing.
        const init = {
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
          cache: 'no-store',
          ...(inBrowser ? { mode: 'no-cors' } : {}),
        };
        const res = await doFetch(e.url, init as RequestInit);
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        await res.body?.cancel().catch(() => undefined);
        if (GATEWAY_ERRORS.has(res.status)) return { endpointId: e.id, ok: false, failure: 'http-error', latencyMs };
        return { endpointId: e.id, ok: true, latencyMs };
      } catch (err) {
        return { endpointId: e.id, ok: false, failure: failureOf(err), latencyMs: null };
      }
    }),
  );
  return { client: { id: options.clientId, ...(options.label ? { label: options.label } : {}) }, results };
}
