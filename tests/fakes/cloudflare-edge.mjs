#!/usr/bin/env node
// The fake Cloudflare edge: HTTPS for every tunnel hostname (one test-CA certificate with
// *.trycloudflare.com and the named hosts), routed by Host to the origin the fake cloudflared
// registered in $FAKE_CLOUDFLARED_EDGE/routes.json. A route whose cloudflared is gone (or stalled) answers 530,
// as the real edge does; a hijacked route (a user's config.yml won) answers 404.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' }, dir: { type: 'string' } },
});
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const routes = () => {
  try {
    return JSON.parse(readFileSync(join(values.dir, 'routes.json'), 'utf8'));
  } catch {
    return {};
  }
};
const server = https.createServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) }, (req, res) => {
  const host = (req.headers.host ?? '').split(':')[0];
  const route = routes()[host];
  if (!route || !alive(route.pid) || route.stalled) {
    res.writeHead(530, { 'content-type': 'text/html', server: 'cloudflare' });
    res.end('<title>Cloudflare Tunnel error</title>error code: 1033');
    return;
  }
  if (route.hijacked) {
    res.writeHead(404, { 'content-type': 'text/plain', server: 'cloudflare' });
    res.end('404 page not found (ingress rule from ~/.cloudflared/config.yml)');
    return;
  }
  const origin = new URL(route.origin);
  // An https service is dialled with TLS and its certificate verified against the system pool
  // (plus Cloudflare's roots), for the URL's host unless originServerName says otherwise; nothing
  // skips that unless noTLSVerify is set (cloudflared tlsconfig/certreloader.go LoadCustomOriginCA,
  // ingress/origin_service.go, ingress/config.go NoTLSVerify). Here the "system pool" is Node's,
  // with the test CA through NODE_EXTRA_CA_CERTS. A failed handshake is the edge's 502.
  const client = origin.protocol === 'https:' ? https : http;
  const up = client.request(
    {
      host: origin.hostname,
      port: origin.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, 'cf-ray': 'fake-ray' },
      ...(origin.protocol === 'https:' ? { servername: origin.hostname } : {}),
    },
    (r) => {
      res.writeHead(r.statusCode ?? 502, { ...r.headers, server: 'cloudflare' });
      r.pipe(res);
    },
  );
  up.on('error', () => {
    res.writeHead(502, { 'content-type': 'text/html', server: 'cloudflare' });
    res.end('<title>Bad gateway</title>Unable to reach the origin service');
  });
  req.pipe(up);
});
const at = values.listen.lastIndexOf(':');
server.listen({ host: values.listen.slice(0, at), port: Number(values.listen.slice(at + 1)) }, () =>
  process.stdout.write(`ready ${server.address().port}\n`),
);
process.on('SIGTERM', () => process.exit(0));
