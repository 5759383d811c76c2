import { describe, expect, it } from 'vitest';
import { parseConnectTo, resolveConnectTarget } from './connect-to.js';

describe('ENDPOINTD_CONNECT_TO', () => {
  it('maps host:port to addr:port and leaves other hosts alone', () => {
    const map = parseConnectTo('devbox.tail911da.ts.net:443=127.0.0.1:8443, [fd7a:115c:a1e0::1]:80=[::1]:8080');
    expect(resolveConnectTarget(map, 'DEVBOX.tail911da.ts.net', 443)).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(resolveConnectTarget(map, 'fd7a:115c:a1e0::1', 80)).toEqual({ host: '::1', port: 8080 });
    expect(resolveConnectTarget(map, 'devbox.tail911da.ts.net', 8443)).toEqual({ host: 'devbox.tail911da.ts.net', port: 8443 });
  });
  it('matches a wildcard entry for any subdomain, an exact entry first', () => {
    const map = parseConnectTo('*.trycloudflare.com:443=127.0.0.1:9443,fixed.trycloudflare.com:443=127.0.0.1:9444');
    expect(resolveConnectTarget(map, 'random-words-here.trycloudflare.com', 443)).toEqual({ host: '127.0.0.1', port: 9443 });
    expect(resolveConnectTarget(map, 'fixed.trycloudflare.com', 443)).toEqual({ host: '127.0.0.1', port: 9444 });
    expect(resolveConnectTarget(map, 'trycloudflare.com', 443)).toEqual({ host: 'trycloudflare.com', port: 443 });
  });
  it('rejects a malformed entry by name instead of ignoring it', () => {
    expect(() => parseConnectTo('devbox:443=127.0.0.1')).toThrow(/"devbox:443=127.0.0.1" is not host:port=addr:port/);
  });
});
