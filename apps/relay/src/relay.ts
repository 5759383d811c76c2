import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import {
  AGENT_PATH,
  HOP_BY_HOP,
  NAME_HEADER,
  NAME_PATTERN,
  PUBLIC_URL_HEADER,
  REPLACED,
  RESERVED_PREFIX,
  type RelayRefusal,
  STATUS_PATH,
  UPGRADE_PROTOCOL,
} from '@endpointd/provider-relay';

/** How the relay maps public requests to agents. */
export type RelayMode = { baseDomain: string } | { single: string };

export interface RelayOptions {
  host: string;
  port: number;
  /** Tokens agents authenticate with; only their SHA-256 is kept. */
  agentTokens: string[];
  mode: RelayMode;
  /** Scheme, host and port the public uses (e.g. https://relay.example.com behind a TLS proxy). @default http://HOST:PORT */
  publicUrl?: string;
  /** When set, public access needs this password (HTTP Basic, any user name). */
  password?: string;
  /** Peers (e.g. the local nginx) whose X-Forwarded-For last hop and X-Forwarded-Proto are believed. */
  trustedProxies?: string[];
  /** One structured line per event; never given a token or a password. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface AgentStatus {
  name: string;
  connectedAt: string;
  uptimeMs: number;
  remoteAddress: string;
  activeStreams: number;
}

export interface Relay {
  port: number;
  agents(): AgentStatus[];
  /** Agent connection attempts seen (accepted or not), for operators and tests. */
  attempts(): number;
  close(): Promise<void>;
}

interface Agent {
  name: string;
  session: ClientHttp2Session;
  connectedAt: number;
  remoteAddress: string;
  streams: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const PING_INTERVAL_MS = 15_000;
const WINDOW = 8 << 20;
const H2 = http2.constants;

function peerAddress(socket: { remoteAddress?: string | undefined }): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Constant-time check of a secret against stored hashes (all are compared, whatever matches). */
function matchesAny(given: string | undefined, hashes: Buffer[]): boolean {
  if (!given) return false;
  const h = sha256(given);
  let ok = false;
  for (const stored of hashes) ok = timingSafeEqual(h, stored) || ok;
  return ok;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  return at === -1 ? undefined : decoded.slice(at + 1);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Runs endpointd-relay: agents connect outbound, public HTTP and WebSocket requests are forwarded to them. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const tokenHashes = options.agentTokens.map(sha256);
  const passwordHash = options.password === undefined ? null : [sha256(options.password)];
  const trusted = new Set(options.trustedProxies ?? []);
  const log = options.log ?? (() => undefined);
  const agents = new Map<string, Agent>();
  let attempts = 0;

  let boundPort = options.port; // the real one once listening (port 0 picks one)
  const publicUrlFor = (name: string) => {
    const base = new URL(options.publicUrl ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${boundPort}`);
    if ('single' in options.mode) return `${base.origin}/`;
    return `${base.protocol}//${name}.${options.mode.baseDomain}${base.port ? `:${base.port}` : ''}/`;
  };

  /** The public name a request is for, from its Host header; null when it names none of ours. */
  function nameOf(hostHeader: string | undefined): string | null {
    if ('single' in options.mode) return options.mode.single;
    const host = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
    const suffix = `.${options.mode.baseDomain.toLowerCase()}`;
    if (!host.endsWith(suffix)) return null;
    const name = host.slice(0, -suffix.length);
    return NAME_PATTERN.test(name) ? name : null;
  }

  /** Request headers for the agent: hop-by-hop and incoming X-Forwarded-* dropped, ours set. */
  function forwardHeaders(req: IncomingMessage, proto: 'http' | 'https'): Record<string, string | string[]> {
    const peer = peerAddress(req.socket);
    const fromProxy = trusted.has(peer);
    const lastOf = (v: string | string[] | undefined) =>
      (Array.isArray(v) ? v.join(',') : (v ?? ''))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .at(-1);
    // Behind a trusted proxy, its last hop is the client it saw; anything before that is the
    // client's own claim and is dropped with the rest.
    const clientIp = (fromProxy && lastOf(req.headers['x-forwarded-for'])) || peer;
    const scheme = (fromProxy && lastOf(req.headers['x-forwarded-proto'])) || proto;
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k.startsWith('x-forwarded-') || k === 'forwarded' || k === 'x-real-ip') continue;
      out[k] = v;
    }
    out['x-forwarded-for'] = clientIp;
    out['x-forwarded-proto'] = scheme === 'https' ? 'https' : 'http';
    out['x-forwarded-host'] = req.headers.host ?? '';
    return out;
  }

  function badGateway(res: ServerResponse, name: string): void {
    const body = `<!doctype html><title>502 Backend not connected</title><h1>502: ${escapeHtml(name)} is not connected</h1><p>The machine serving <b>${escapeHtml(name)}</b> is not connected to this relay right now. It reconnects by itself when it is back online.</p>\n`;
    res.writeHead(502, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  function authorizedPublic(header: string | undefined): boolean {
    return passwordHash === null || matchesAny(basicPassword(header), passwordHash);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    if (path.startsWith(RESERVED_PREFIX)) {
      if (path === STATUS_PATH && req.method === 'GET' && matchesAny(bearer(req.headers.authorization), tokenHashes)) {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ agents: listAgents(), attempts }));
        return;
      }
      res.writeHead(path === STATUS_PATH ? 401 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: path === STATUS_PATH ? 'unauthorized' : 'not-found' }));
      return;
    }
    if (!authorizedPublic(req.headers.authorization)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="endpointd-relay", charset="UTF-8"', 'content-type': 'text/plain' });
      res.end('401: this relay needs a password\n');
      return;
    }
    const name = nameOf(req.headers.host);
    if (name === null) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404: no backend is served under this name\n');
      return;
    }
    const agent = agents.get(name);
    if (!agent || agent.session.closed || agent.session.destroyed) return badGateway(res, name);
    let stream: ClientHttp2Stream;
    try {
      stream = agent.session.request(
        {
          ...forwardHeaders(req, 'http'),
          [H2.HTTP2_HEADER_METHOD]: req.method ?? 'GET',
          [H2.HTTP2_HEADER_PATH]: path,
          [H2.HTTP2_HEADER_SCHEME]: 'http',
          [H2.HTTP2_HEADER_AUTHORITY]: req.headers.host ?? name,
        },
        { endStream: false },
      );
    } catch {
      return badGateway(res, name);
    }
    agent.streams++;
    stream.once('close', () => {
      agent.streams--;
      if (!res.writableEnded) res.destroy();
    });
    stream.on('response', (headers) => {
      const status = Number(headers[H2.HTTP2_HEADER_STATUS] ?? 502);
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) out[k] = v;
      // SSE: headers at once, and a buffering proxy in front (nginx) must not wait for a full buffer.
      const eventStream = String(out['content-type'] ?? '').startsWith('text/event-stream');
      if (eventStream) out['x-accel-buffering'] = 'no';
      res.writeHead(status, out);
      if (eventStream) res.flushHeaders();
      stream.pipe(res);
    });
    stream.on('error', () => {
      if (!res.headersSent) badGateway(res, name);
      else res.destroy();
    });
    req.pipe(stream);
    // Cancel only a stream whose client went away early: an RST_STREAM after every complete
    // response would trip the agent's rapid-reset protection (CVE-2023-44487) and end the session.
    res.on('close', () => {
      if (!res.writableFinished && !stream.closed) stream.close(H2.NGHTTP2_CANCEL);
    });
  }

  function refuse(socket: Duplex, status: number, refusal: RelayRefusal): void {
    const body = JSON.stringify(refusal);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  function onAgent(req: IncomingMessage, socket: Duplex, head: Buffer) {
    attempts++;
    const remoteAddress = peerAddress(req.socket);
    if (!matchesAny(bearer(req.headers.authorization), tokenHashes)) {
      log({ level: 'warn', msg: 'agent refused: bad token', remoteAddress });
      return refuse(socket, 401, { code: 'bad-token', message: 'the relay does not accept this agent token' });
    }
    const asked = String(req.headers[NAME_HEADER] ?? '').toLowerCase();
    let name: string;
    if ('single' in options.mode) {
      if (asked && asked !== options.mode.single) {
        log({ level: 'warn', msg: 'agent refused: name not served', name: asked, remoteAddress });
        return refuse(socket, 403, { code: 'name-not-served', message: `this relay serves only "${options.mode.single}"` });
      }
      name = options.mode.single;
    } else {
      if (!NAME_PATTERN.test(asked)) {
        return refuse(socket, 400, { code: 'bad-name', message: 'the name must be one DNS label (a-z, 0-9, -)' });
      }
      name = asked;
    }
    const publicUrl = publicUrlFor(name);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: ${UPGRADE_PROTOCOL}\r\nconnection: Upgrade\r\n${PUBLIC_URL_HEADER}: ${publicUrl}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // many small frames: no Nagle delay
    const session = http2.connect('http://agent', {
      createConnection: () => socket,
      settings: { initialWindowSize: WINDOW },
    });
    session.on('connect', () => session.setLocalWindowSize(WINDOW));
    session.on('error', () => undefined); // a dropped agent: 'close' follows
    // A proxy in front (nginx) passes the agent's FIN on as a half-close: an agent that stopped
    // sending is gone, so the name is freed at once instead of holding requests until a ping fails.
    socket.once('end', () => session.destroy());
    const agent: Agent = { name, session, connectedAt: Date.now(), remoteAddress, streams: 0 };
    const previous = agents.get(name);
    agents.set(name, agent);
    if (previous) {
      // The newer connection wins; the older agent is told why, and stops instead of fighting back.
      log({ level: 'info', msg: 'agent replaced', name, remoteAddress: previous.remoteAddress });
      previous.session.goaway(H2.NGHTTP2_NO_ERROR, 0, Buffer.from(REPLACED));
      previous.session.close();
      setTimeout(() => previous.session.destroy(), 5_000).unref();
    }
    log({ level: 'info', msg: 'agent connected', name, remoteAddress, publicUrl });
    const ping = setInterval(() => {
      if (!session.closed) session.ping((err) => err && session.destroy());
    }, PING_INTERVAL_MS);
    ping.unref();
    session.on('close', () => {
      clearInterval(ping);
      if (agents.get(name) === agent) {
        agents.delete(name);
        log({ level: 'info', msg: 'agent disconnected', name, remoteAddress });
      }
    });
  }

  function onPublicUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const fail = (status: number, text: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    if (!authorizedPublic(req.headers.authorization)) return fail(401, 'this relay needs a password\n');
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return fail(501, 'only WebSocket upgrades are relayed\n');
    const name = nameOf(req.headers.host);
    const agent = name === null ? undefined : agents.get(name);
    if (!agent || agent.session.closed) return fail(502, `${name ?? 'this name'} is not connected\n`);
    let stream: ClientHttp2Stream;
    try {
      stream = agent.session.request({
        ...forwardHeaders(req, 'http'),
        [H2.HTTP2_HEADER_METHOD]: 'CONNECT',
        ':protocol': 'websocket',
        [H2.HTTP2_HEADER_PATH]: req.url ?? '/',
        [H2.HTTP2_HEADER_SCHEME]: 'http',
        [H2.HTTP2_HEADER_AUTHORITY]: req.headers.host ?? name ?? '',
      });
    } catch {
      return fail(502, 'the agent cannot take WebSocket connections\n');
    }
    agent.streams++;
    stream.once('close', () => {
      agent.streams--;
      socket.destroy();
    });
    stream.on('error', () => socket.destroy());
    socket.on('error', () => stream.close(H2.NGHTTP2_CANCEL));
    stream.on('response', (headers) => {
      if (Number(headers[H2.HTTP2_HEADER_STATUS]) !== 200) return fail(502, 'the backend refused the WebSocket\n');
      // From here the bytes are the client's and the backend's own HTTP/1.1 handshake and frames.
      if (head.length > 0) stream.write(head);
      socket.pipe(stream).pipe(socket);
    });
  }

  function listAgents(): AgentStatus[] {
    const now = Date.now();
    return [...agents.values()].map((a) => ({
      name: a.name,
      connectedAt: new Date(a.connectedAt).toISOString(),
      uptimeMs: now - a.connectedAt,
      remoteAddress: a.remoteAddress,
      activeStreams: a.streams,
    }));
  }

  const server = http.createServer({ requestTimeout: 0, headersTimeout: 30_000 }, onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === AGENT_PATH && String(req.headers.upgrade ?? '').toLowerCase() === UPGRADE_PROTOCOL) return onAgent(req, socket, head);
    if (path?.startsWith(RESERVED_PREFIX)) return socket.destroy();
    onPublicUpgrade(req, socket, head);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const address = server.address();
  boundPort = typeof address === 'object' && address ? address.port : options.port;
  return {
    port: boundPort,
    agents: listAgents,
    attempts: () => attempts,
    async close() {
      for (const a of agents.values()) a.session.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
