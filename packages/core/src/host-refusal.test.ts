import { describe, expect, it } from 'vitest';
import { hostRefusal } from './host-refusal.js';

describe('Host-header refusals of dev servers', () => {
  it.each([
    [
      403,
      'Blocked request. This host ("abc.trycloudflare.com") is not allowed.\nTo allow this host, add "abc.trycloudflare.com" to `server.allowedHosts` in vite.config.js.',
      'Vite',
    ],
    [403, 'Invalid Host header', 'webpack-dev-server'],
  ])('recognises %i "%s…" as %s', (status, body, server) => {
    expect(hostRefusal(status, Buffer.from(body))).toMatchObject({ server, setting: expect.stringMatching(/allowedHosts/) });
  });
  it.each([
    [200, 'Blocked request. This host ("x") is not allowed.'],
    [403, 'Forbidden'],
    [404, '<html>Invalid Host header in a page about headers</html>'],
  ])('leaves %i "%s" alone', (status, body) => {
    expect(hostRefusal(status, Buffer.from(body))).toBeNull();
  });
});
