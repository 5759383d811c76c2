import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { Transport } from '@endpointd/client';

// required, not imported: Node 24's ESM facade of node:http reads every export, and one of them
// loads undici (~15 ms) for a CLI that never uses fetch.
const http = createRequire(import.meta.url)('node:http') as typeof Http;

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
