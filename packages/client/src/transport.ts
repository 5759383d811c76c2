/** One HTTP exchange, as the client needs it. */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  text(): Promise<string>;
  /** The body as it arrives (event streams). */
  stream(): AsyncIterable<Uint8Array>;
}

/** How the client talks HTTP: fetch in browsers and GUIs, node:http in the CLI. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** fetch-based: works in browsers, Electron and Node. */
export function fetchTransport(doFetch: typeof fetch = fetch): Transport {
  return async ({ method, url, headers, body, signal }) => {
    const res = await doFetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal });
    return {
      status: res.status,
      text: () => res.text(),
      // A reader loop rather than `for await` over the body: every browser and Electron has it.
      async *stream() {
        const reader = res.body?.getReader();
        if (!reader) return;
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    };
  };
}
