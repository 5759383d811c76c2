import http from 'node:http';

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
      async *stream() {
        if (res.body) yield* res.body as unknown as AsyncIterable<Uint8Array>;
      },
    };
  };
}

/**
 * node:http without keep-alive: a short-lived CLI starts faster than with fetch (undici loads
 * lazily, ~30 ms) and exits as soon as it has its answer instead of holding an idle socket.
 */
export const nodeHttpTransport: Transport = ({ method, url, headers, body, signal }) =>
  new Promise((resolve, reject) => {
    const framed = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(url, { method, headers: { ...framed, connection: 'close' }, agent: false, signal }, (res) => {
      resolve({
        status: res.statusCode ?? 0,
        text: async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of res) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        },
        stream: () => res,
      });
    });
    req.on('error', reject);
    req.end(body);
  });
