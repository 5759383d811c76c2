// The agent side of the relay bench, in its own process (as endpointd would be): a backend and an
// agent connection to the relay given as argv[2], token argv[3]. Prints "ready <backend port>".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAgent } from '@endpointd/provider-relay';

const backend = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service: 'bench', ok: true, pad: 'x'.repeat(512) }));
});
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
const port = (backend.address() as AddressInfo).port;
const controller = new AbortController();
await connectAgent({
  relayUrl: String(process.argv[2]),
  token: String(process.argv[3]),
  name: 'bench',
  backendPort: port,
  signal: controller.signal,
  timeoutMs: 5_000,
});
process.stdout.write(`ready ${port}\n`);
process.on('SIGTERM', () => {
  controller.abort();
  process.exit(0);
});
