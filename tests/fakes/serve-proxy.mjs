#!/usr/bin/env node
// The serving side of the fake tailscaled for one port of the serve config, started and stopped
// by the fake CLI as the config changes. It reads the config on every request, as tailscaled
// serves from its current config:
//   https / http: TLS for the MagicDNS name (test-CA certificate) or plain HTTP; the mount is
//     chosen by longest prefix and stripped before proxying (ipn/ipnlocal/serve.go
//     serveWebHandler: http.StripPrefix, #6571); text handlers answer their text; WebSocket
//     upgrades are piped; 502 when the target is down.
//   tcp / tls-terminated-tcp: bytes piped to TCPForward, after a TLS handshake for the latter.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    kind: { type: 'string' },
    state: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
const at = values.listen.lastIndexOf(':');
const [host, port] = [values.listen.slice(0, at), Number(values.listen.slice(at + 1))];
const config = () => {
  try {
    return JSON.parse(readFileSync(values.state, 'utf8')) ?? {};
  } catch {
    return {};
  }
};
const layers = (c) => [c, ...Object.values(c.Foreground ?? {})];

/** "http://::1:3000/x" (the CLI's unbracketed IPv6), "127.0.0.1:5432", "https+insecure://…" → parts. */
function target(t) {
  const m = /^(?:([a-z+]+):\/\/)?(\[[^\]]+\]|.*?):(\d+)(\/.*)?$/.exec(t);
  return m ? { scheme: m[1] ?? 'tcp', host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]), path: m[4] ?? '' } : null;
}

function handlerFor(url) {
  const handlers = {};
  for (const c of layers(config())) {
    for (const [hp, web] of Object.entries(c.Web ?? {})) if (hp.endsWith(`:${port}`)) Object.assign(handlers, web?.Handlers ?? {});
  }
  const path = url.split('?')[0];
  const mount = Object.keys(handlers)
    .sort((a, b) => b.length - a.length)
    .find((m) => path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`) || `${path}/` === m);
  return mount === undefined ? null : { mount, handler: handlers[mount] };
}

function stripped(url, mount) {
  if (url === '/' || mount === '/') return url;
  const rest = url.slice(mount.replace(/\/$/, '').length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function onRequest(req, res) {
  const found = handlerFor(req.url);
  if (!found) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return res.end('404 page not found\n');
  }
  if (found.handler.Text !== undefined) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    return res.end(found.handler.Text);
  }
  const t = found.handler.Proxy ? target(found.handler.Proxy) : null;
  if (!t) {
    res.writeHead(500);
    return res.end('empty handler\n');
  }
  const lib = t.scheme.startsWith('https') ? https : http;
  const upstream = lib.request(
    {
      host: t.host,
      port: t.port,
      path: `${t.path.replace(/\/$/, '')}${stripped(req.url, found.mount)}`,
      method: req.method,
      headers: req.headers,
      // https+insecure means exactly that: the origin's certificate is not checked.
      ...(t.scheme === 'https+insecure' ? { rejectUnauthorized: false } : {}),
      // An https target is verified for its own host, not the client's Host header: tailscale's
      // reverse proxy is Go's http.Transport (ipn/ipnlocal/serve.go reverseProxy), whose TLS
      // ServerName is the target URL's host. Node would otherwise take it from the Host header.
      ...(t.scheme.startsWith('https') && !/^[\d.]+$|:/.test(t.host) ? { servername: t.host } : {}),
    },
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
}

function onUpgrade(req, socket, head) {
  const found = handlerFor(req.url);
  const t = found?.handler.Proxy ? target(found.handler.Proxy) : null;
  if (!t) return socket.destroy();
  const up = net.connect(t.port, t.host, () => {
    up.write(
      `${req.method} ${stripped(req.url, found.mount)} HTTP/1.1\r\n${Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n')}\r\n\r\n`,
    );
    up.write(head);
    up.pipe(socket).pipe(up);
  });
  up.on('error', () => socket.destroy());
}

function forward(socket) {
  const h = layers(config())
    .map((c) => c.TCP?.[port])
    .find((x) => x?.TCPForward);
  const t = h ? target(h.TCPForward) : null;
  if (!t) return socket.destroy();
  const up = net.connect(t.port, t.host);
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
  socket.pipe(up).pipe(socket);
}

const tlsOptions = () => ({ cert: readFileSync(values.cert), key: readFileSync(values.key) });
let server;
if (values.kind === 'https') server = https.createServer(tlsOptions(), onRequest).on('upgrade', onUpgrade);
else if (values.kind === 'http') server = http.createServer(onRequest).on('upgrade', onUpgrade);
else if (values.kind === 'tls-terminated-tcp') server = tls.createServer(tlsOptions(), forward);
else server = net.createServer(forward);
server.listen({ host, port }, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
