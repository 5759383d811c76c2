import { connect } from 'node:tls';

/** A TLS sniff on loopback is a local handshake: half a second is generous. */
export const SCHEME_SNIFF_TIMEOUT_MS = 500;

// A plain-HTTP server answers a ClientHello with garbage (wrong version number) or a reset; a TLS
// server completes or fails the handshake on certificate grounds. Verification stays on: a
// certificate error is itself proof that the port speaks TLS.
const PLAIN_ERRORS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ECONNRESET', 'EPIPE', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/**
 * Tells whether the backend speaks TLS on its port, by a handshake on `host` (loopback).
 * Resolves null when nothing accepts the connection.
 */
export async function detectBackendScheme(
  host: string,
  port: number,
  timeoutMs = SCHEME_SNIFF_TIMEOUT_MS,
): Promise<'http' | 'https' | null> {
  return await new Promise((resolve) => {
    const socket = connect({ host, port, servername: host.includes(':') ? undefined : 'localhost' });
    const done = (scheme: 'http' | 'https' | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(scheme);
    };
    const timer = setTimeout(() => done('http'), timeoutMs);
    socket.once('secureConnect', () => done('https'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'ENETUNREACH') done(null);
      else if (PLAIN_ERRORS.has(code) || /wrong version number|packet length/i.test(err.message)) done('http');
      else done('https');
    });
    socket.once('close', () => done('http'));
  });
}
