#!/usr/bin/env node
// The HTTPS side of the fake tailscaled: terminates TLS for the MagicDNS name (test-CA certificate)
// and proxies to the serve target, WebSocket upgrades included. 502 when the target is down.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, target: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } },
});
const target = new URL(values.target);
const [host, port] = [
  values.listen.slice(0, values.listen.lastIndexOf(':')),
  Number(values.listen.slice(values.listen.lastIndexOf(':') + 1)),
];

const server = https.createServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) }, (req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('502 Bad Gateway\n');
  });
  req.pipe(upstream);
});
server.on('upgrade', (req, socket, head) => {
  const up = net.connect(Number(target.port), target.hostname, () => {
    up.write(
      `${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`,
    );
    up.write(head);
    up.pipe(socket).pipe(up);
  });
  up.on('error', () => socket.destroy());
});
server.listen({ host, port }, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
