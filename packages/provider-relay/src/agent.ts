import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import http2, { type IncomingHttpHeaders as H2Headers, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { type ConnectToMap, resolveConnectTarget } from '@endpointd/core';
import { AGENT_PATH, HOP_BY_HOP, NAME_HEADER, PUBLIC_URL_HEADER, REPLACED, type RelayRefusal, UPGRADE_PROTOCOL } from './protocol.js';

const H2 = http2.constants;
const WINDOW = 8 << 20;
const PING_INTERVAL_MS = 15_000;
const MAX_REFUSAL_BYTES = 4_096;

/** The relay said no (an HTTP answer instead of the upgrade). */
export class RelayRefusedError extends Error {
  override readonly name = 'RelayRefusedError';
  constructor(
    readonly status: number,
    readonly refusal: RelayRefusal | null,
  ) {
    super(refusal?.message ?? `the relay answered ${status}`);
  }
}

/** The relay could not be reached (connection refused, TLS, DNS, timeout). */
export class RelayUnreachableError extends Error {
  override readonly name = 'RelayUnreachableError';
}

/** An open agent connection: the relay forwards its public traffic through it to the backend. */
export interface AgentConnection {
  publicUrl: string;
  /** Settles when the connection ends: replaced by a newer agent for the same name, or dropped. */
  closed: Promise<'replaced' | 'dropped'>;
  close(): void;
}

export interface AgentOptions {
  /** The relay's base URL (http, https, ws or wss); the agent path is added to it. */
  relayUrl: string;
  token: string;
  name: string;
  backendPort: number;
  signal: AbortSignal;
  timeoutMs: number;
  /** ENDPOINTD_CONNECT_TO, as probes honour it: the socket goes there, the name stays for SNI and Host. */
  connectTo?: ConnectToMap;
}

function requestHeaders(headers: H2Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && !HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

/** Connections to the backend are reused across public requests (as a reverse proxy's upstream pool). */
const backendAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });

/** One public request: proxied to the backend on loopback, streamed both ways. */
function proxyRequest(stream: ServerHttp2Stream, headers: H2Headers, backendPort: number): void {
  const authority = String(headers[H2.HTTP2_HEADER_AUTHORITY] ?? '');
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: backendPort,
      method: String(headers[H2.HTTP2_HEADER_METHOD] ?? 'GET'),
      path: String(headers[H2.HTTP2_HEADER_PATH] ?? '/'),
      headers: { ...requestHeaders(headers), host: authority },
      agent: backendAgent,
    },
    (res) => {
      if (stream.destroyed) return res.destroy();
      stream.respond({ [H2.HTTP2_HEADER_STATUS]: res.statusCode ?? 502, ...responseHeaders(res.headers) });
      res.pipe(stream);
    },
  );
  upstream.on('error', () => {
    if (stream.destroyed) return;
    if (!stream.headersSent) {
      stream.respond({ [H2.HTTP2_HEADER_STATUS]: 502, 'content-type': 'text/plain' });
      stream.end('502: the backend did not answer\n');
    } else stream.close(H2.NGHTTP2_INTERNAL_ERROR);
  });
  stream.on('close', () => upstream.destroy());
  stream.pipe(upstream);
}

/** A WebSocket (extended CONNECT): the client's HTTP/1.1 handshake is replayed to the backend, then bytes flow both ways. */
function proxyWebSocket(stream: ServerHttp2Stream, headers: H2Headers, backendPort: number): void {
  const socket = net.connect(backendPort, '127.0.0.1', () => {
    const lines = [
      `GET ${String(headers[H2.HTTP2_HEADER_PATH] ?? '/')} HTTP/1.1`,
      `host: ${String(headers[H2.HTTP2_HEADER_AUTHORITY] ?? '')}`,
    ];
    for (const [k, v] of Object.entries(requestHeaders(headers))) for (const value of [v].flat()) lines.push(`${k}: ${String(value)}`);
    lines.push('upgrade: websocket', 'connection: Upgrade');
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    stream.respond({ [H2.HTTP2_HEADER_STATUS]: 200 });
    socket.pipe(stream).pipe(socket);
  });
  socket.on('error', () => {
    if (stream.destroyed) return;
    if (!stream.headersSent) stream.respond({ [H2.HTTP2_HEADER_STATUS]: 502 }, { endStream: true });
    else stream.close(H2.NGHTTP2_CONNECT_ERROR);
  });
  stream.on('close', () => socket.destroy());
  stream.on('error', () => socket.destroy());
}

/** Reads a refusal's small JSON body. */
function readRefusal(res: http.IncomingMessage): Promise<RelayRefusal | null> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      body += c;
      if (body.length > MAX_REFUSAL_BYTES) res.destroy();
    });
    res.on('close', () => {
      try {
        const parsed = JSON.parse(body) as RelayRefusal;
        resolve(typeof parsed?.code === 'string' ? parsed : null);
      } catch {
        resolve(null);
      }
    });
  });
}

/**
 * Connects outbound to the relay, asks for `name`, and serves the relay's HTTP/2 streams (it is
 * the client, the agent the server) from the backend on loopback.
 */
export function connectAgent(options: AgentOptions): Promise<AgentConnection> {
  const base = new URL(options.relayUrl);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const port = Number(base.port) || (secure ? 443 : 80);
  const to = resolveConnectTarget(options.connectTo ?? new Map(), base.hostname, port);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      host: to.host,
      port: to.port,
      path: AGENT_PATH,
      ...(secure ? { servername: base.hostname.replace(/^\[|\]$/g, '') } : {}),
      method: 'GET',
      headers: {
        host: base.host,
        connection: 'Upgrade',
        upgrade: UPGRADE_PROTOCOL,
        authorization: `Bearer ${options.token}`,
        [NAME_HEADER]: options.name,
      },
      timeout: options.timeoutMs,
      signal: options.signal,
      agent: false,
    });
    req.on('timeout', () => req.destroy(new RelayUnreachableError(`the relay did not answer within ${options.timeoutMs / 1000} s`)));
    req.on('error', (err) =>
      reject(
        err instanceof RelayUnreachableError
          ? err
          : new RelayUnreachableError(`cannot reach the relay at ${base.origin}: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
      ),
    );
    req.on('response', (res) => {
      void readRefusal(res).then((refusal) => reject(new RelayRefusedError(res.statusCode ?? 0, refusal)));
    });
    req.on('upgrade', (res, socket, head) => {
      req.setTimeout(0);
      const publicUrl = String(res.headers[PUBLIC_URL_HEADER] ?? '');
      if (head.length > 0) socket.unshift(head);
      socket.setKeepAlive(true, 10_000);
      (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // many small frames: no Nagle delay
      // The relay (or a proxy in front of it) half-closing means it is gone: reconnect now.
      socket.once('end', () => socket.destroy());
      const server = http2.createServer({ settings: { enableConnectProtocol: true, initialWindowSize: WINDOW } });
      let session: Http2Session | null = null;
      let replaced = false;
      let ping: NodeJS.Timeout | undefined;
      const closed = new Promise<'replaced' | 'dropped'>((settle) => {
        const done = () => {
          clearInterval(ping);
          settle(replaced ? 'replaced' : 'dropped');
        };
        socket.once('close', done);
        server.on('session', (s) => {
          session = s;
          s.on('connect', () => s.setLocalWindowSize(WINDOW));
          s.on('goaway', (_code, _last, data) => {
            if (data?.toString() === REPLACED) replaced = true;
          });
          s.on('error', () => undefined); // a dropped relay: 'close' follows
          s.once('close', done);
          // A silently dead connection (a NAT dropped it) is noticed within two pings.
          ping = setInterval(() => {
            if (!s.closed) s.ping((err) => err && s.destroy());
          }, PING_INTERVAL_MS);
          ping.unref();
        });
      });
      server.on('stream', (stream, headers) => {
        stream.on('error', () => undefined);
        if (headers[H2.HTTP2_HEADER_METHOD] === 'CONNECT') proxyWebSocket(stream, headers, options.backendPort);
        else proxyRequest(stream, headers, options.backendPort);
      });
      // Over https the socket is a TLSSocket whose ALPN said nothing (alpnProtocol false), which
      // Node's HTTP/2 server takes for an HTTP/1.1 client and drops. HTTP/2 here is what the
      // upgrade agreed on, not ALPN: say so before handing the socket over.
      if ('alpnProtocol' in socket) Object.defineProperty(socket, 'alpnProtocol', { value: 'h2', configurable: true });
      server.emit('connection', socket);
      const close = () => {
        (session as Http2Session | null)?.destroy();
        socket.destroy();
      };
      options.signal.addEventListener('abort', close, { once: true });
      void closed.then(() => options.signal.removeEventListener('abort', close));
      resolve({ publicUrl, closed, close });
    });
    req.end();
  });
}
