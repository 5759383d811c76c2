import http from 'node:http';
import type { Transport } from '@endpointd/client';

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
