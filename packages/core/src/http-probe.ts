import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { type ConnectToMap, resolveConnectTarget } from './connect-to.js';
import type { TlsInfo } from './schema/endpoint.js';

/** Bodies are read up to this size: enough to fingerprint a page, bounded for memory. */
export const MAX_PROBE_BODY_BYTES = 64 * 1024;
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const USER_AGENT = 'endpointd-probe/0.1';

/** Why a probe got no HTTP answer. */
export type ProbeFailureCode =
  | 'timed-out'
  | 'connection-refused'
  | 'connection-reset'
  | 'dns-failed'
  | 'no-route'
  | 'tls-untrusted'
  | 'aborted';

export interface ProbeRequest {
  /** Full URL to request. */
  url: URL;
  timeoutMs: number;
  connectTo: ConnectToMap;
  signal?: AbortSignal;
}

export interface ProbeAnswer {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  latencyMs: number;
  /** Address the socket connected to. */
  address: string | null;
  tls: TlsInfo | null;
}

export interface ProbeFailure {
  ok: false;
  code: ProbeFailureCode;
  /** Short technical text (an errno or TLS code in words), never a stack. */
  error: string;
  latencyMs: number;
  address: string | null;
  /** The address a connection was attempted to (set also when it was refused); null when unknown. */
  triedAddress?: string | null;
  tls: TlsInfo | null;
}

export type ProbeResult = ProbeAnswer | ProbeFailure;

const TLS_ERROR_TEXT: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issuer not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer not trusted',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  CERT_REVOKED: 'certificate revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not valid for this name',
  INVALID_CA: 'invalid CA certificate',
};

interface ErrnoLike {
  code?: string;
  message?: string;
  /** Node's connect errors carry the address they tried. */
  address?: string;
}

function classifyError(err: ErrnoLike): { code: ProbeFailureCode; error: string } {
  const code = err.code ?? '';
  if (code in TLS_ERROR_TEXT) return { code: 'tls-untrusted', error: TLS_ERROR_TEXT[code] ?? code };
  switch (code) {
    case 'ECONNREFUSED':
      return { code: 'connection-refused', error: 'connection refused' };
    case 'ETIMEDOUT':
    case 'ENDPOINTD_PROBE_TIMEOUT':
      return { code: 'timed-out', error: 'timed out' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { code: 'dns-failed', error: 'name does not resolve' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { code: 'no-route', error: 'no route to host' };
    case 'ABORT_ERR':
      return { code: 'aborted', error: 'aborted' };
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
      return { code: 'connection-reset', error: 'TLS handshake failed (the port may speak plain HTTP)' };
    default:
      return { code: 'connection-reset', error: code ? `connection closed (${code})` : 'connection closed' };
  }
}

function describeCertificate(cert: PeerCertificate | undefined): Pick<TlsInfo, 'issuer' | 'validTo'> {
  if (!cert?.valid_to) return { issuer: null, validTo: null };
  const issuer = cert.issuer?.O ?? cert.issuer?.CN ?? null;
  const validTo = new Date(cert.valid_to);
  return {
    issuer: Array.isArray(issuer) ? issuer.join(', ') : issuer,
    validTo: Number.isNaN(validTo.getTime()) ? null : validTo.toISOString(),
  };
}

type Exchange = { kind: 'response'; res: IncomingMessage } | { kind: 'upgrade'; res: IncomingMessage; accept: boolean };

/**
 * Sends one request with a hard deadline, honouring ENDPOINTD_CONNECT_TO: the socket goes to the
 * mapped address while SNI, certificate name and Host stay the URL's.
 */
async function exchange(
  req: ProbeRequest,
  extraHeaders: Record<string, string>,
  onExchange: (ex: Exchange, finish: (result: ProbeResult) => void, started: number) => void,
): Promise<ProbeResult> {
  const { url } = req;
  const isHttps = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : isHttps ? 443 : 80;
  const target = resolveConnectTarget(req.connectTo, hostname, port);
  const started = performance.now();
  let address: string | null = null;

  return await new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(result);
    };
    const fail = (err: ErrnoLike): void => {
      const { code, error } = classifyError(err);
      const tls = code === 'tls-untrusted' ? { trusted: false, issuer: null, validTo: null, error } : null;
      const triedAddress = address ?? (typeof err.address === 'string' ? err.address : null);
      finish({ ok: false, code, error, latencyMs: performance.now() - started, address, triedAddress, tls });
    };
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { host: url.host, 'user-agent': USER_AGENT, accept: '*/*', ...extraHeaders },
      agent: false,
    };
    if (isHttps) {
      // SNI carries names only; the certificate is always checked against the URL's host, also
      // when ENDPOINTD_CONNECT_TO sends the socket elsewhere.
      if (isIP(hostname) === 0) options.servername = hostname;
      options.checkServerIdentity = (_host, cert) => checkServerIdentity(hostname, cert);
    }
    const request = (isHttps ? https : http).request(options);
    const timer = setTimeout(() => fail({ code: 'ENDPOINTD_PROBE_TIMEOUT' }), req.timeoutMs);
    const onAbort = (): void => fail({ code: 'ABORT_ERR' });
    if (req.signal?.aborted) onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });

    // The peer address is known once TCP connects: a later timeout can still say where it hung.
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        address = socket.remoteAddress ?? null;
      });
    });
    request.on('error', fail);
    request.on('response', (res) => onExchange({ kind: 'response', res }, finish, started));
    request.on('upgrade', (res, socket) => {
      socket.destroy();
      onExchange({ kind: 'upgrade', res, accept: true }, finish, started);
    });
    request.end();
  });
}

/** GETs a URL and reads up to MAX_PROBE_BODY_BYTES of the body. Never throws. */
export async function probeHttp(req: ProbeRequest): Promise<ProbeResult> {
  return await exchange(req, { connection: 'close' }, (ex, finish, started) => {
    const { res } = ex;
    const latencyMs = performance.now() - started;
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = res.socket as TLSSocket;
    const address = socket?.remoteAddress ?? null;
    const tls =
      req.url.protocol === 'https:'
        ? { trusted: socket.authorized === true, ...describeCertificate(socket.getPeerCertificate?.()), error: null }
        : null;
    const done = (): void =>
      finish({
        ok: true,
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).subarray(0, MAX_PROBE_BODY_BYTES),
        latencyMs,
        address,
        tls,
      });
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_PROBE_BODY_BYTES) done();
    });
    res.on('end', done);
    res.on('error', done);
    res.on('aborted', done);
  });
}

/** Attempts a WebSocket upgrade and checks the server's accept key. Never throws. */
export async function probeWebSocket(req: ProbeRequest): Promise<ProbeResult> {
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
  return await exchange(
    req,
    {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': key,
    },
    (ex, finish, started) => {
      const latencyMs = performance.now() - started;
      const accepted = ex.kind === 'upgrade' && ex.res.headers['sec-websocket-accept'] === expected;
      finish({
        ok: true,
        status: accepted ? 101 : (ex.res.statusCode ?? 0),
        headers: ex.res.headers,
        body: Buffer.alloc(0),
        latencyMs,
        address: null,
        tls: null,
      });
    },
  );
}
