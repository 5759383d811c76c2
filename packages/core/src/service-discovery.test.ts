import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_FINGERPRINTS } from './app-fingerprints.js';
import { createListeningScanner, parseLsofListen } from './listening-processes.js';
import { createServiceDiscovery, labelService } from './service-discovery.js';

/** Fixtures that answer like the real apps (routes and bodies from shared/reference/apps.md). */
const FIXTURES: Record<string, http.RequestListener> = {
  t3code: (req, res) => {
    if (req.url === '/.well-known/t3/environment') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          environmentId: 'env_4f2a9c',
          label: 'devbox',
          platform: { os: 'linux', arch: 'x64' },
          serverVersion: '0.0.14',
          capabilities: [],
        }),
      );
    } else res.end('<!doctype html><title>T3 Code</title>');
  },
  opencode: (req, res) => {
    if (req.url === '/global/health') res.end(JSON.stringify({ healthy: true, version: '1.0.44' }));
    else res.writeHead(404).end();
  },
  'agent-orchestrator': (req, res) => {
    if (req.url === '/api/v1/identity') res.end(JSON.stringify({ id: 'ao_77c1', name: 'agent-orchestrator', version: '2.1.0' }));
    else res.writeHead(404).end();
  },
  nextjs: (_req, res) => {
    res.setHeader('x-powered-by', 'Next.js');
    res.end('<!DOCTYPE html><html><head><script src="/_next/static/chunks/main.js"></script></head></html>');
  },
  http: (_req, res) => res.end('hello'),
};

const servers: net.Server[] = [];
const ports = new Map<string, number>();
beforeAll(async () => {
  for (const [id, handler] of Object.entries(FIXTURES)) {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    ports.set(id, (server.address() as net.AddressInfo).port);
  }
  const tcp = net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  servers.push(tcp);
  ports.set('tcp', (tcp.address() as net.AddressInfo).port);
});
afterAll(() => {
  for (const s of servers) s.close();
});

describe('known apps labelled by their fingerprint (issue 14)', () => {
  it.each([
    ['t3code', { kind: 'json-field', path: '/.well-known/t3/environment', field: 'environmentId' }],
    ['opencode', { kind: 'fingerprint' }],
    ['agent-orchestrator', { kind: 'json-field', path: '/api/v1/identity', field: 'id' }],
    ['nextjs', { kind: 'fingerprint' }],
    ['http', { kind: 'fingerprint' }],
    ['tcp', { kind: 'none' }],
  ])('recognises %s and supplies its identity check', async (id, identity) => {
    const label = await labelService(ports.get(id) as number, ['127.0.0.1']);
    expect(label.app.id).toBe(id);
    expect(label.identity).toEqual(identity);
  });
  it('keeps the table valid and its ids unique', () => {
    expect(new Set(APP_FINGERPRINTS.map((f) => f.id)).size).toBe(APP_FINGERPRINTS.length);
  });
});

describe('listening services of this user (issue 14)', () => {
  it('finds a server with its process, command line, folder and bind addresses, and leaves itself out', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        "require('node:http').createServer((q, r) => r.end('x')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })",
      ],
      {
        cwd: '/tmp',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const port = await new Promise<number>((r) => child.stdout.once('data', (c: Buffer) => r(Number(c.toString()))));
    try {
      const services = await createListeningScanner().scan();
      const found = services?.find((s) => s.port === port);
      expect(found).toMatchObject({ addresses: ['127.0.0.1'], process: { pid: child.pid, command: 'node', cwd: '/tmp' } });
      expect(found?.process?.commandLine.join(' ')).toContain('createServer');
      const listed = await createServiceDiscovery().list([{ name: 'mine', port }]);
      expect(listed?.find((s) => s.port === port)).toMatchObject({
        app: { id: 'http' },
        bind: 'loopback-only',
        backend: 'mine',
        suggestedName: `node-${port}`,
      });
      // This test process listens too (the fixtures): it is left out as "self".
      const self = await createServiceDiscovery({ selfPid: process.pid }).list();
      expect(self?.some((s) => s.pid === process.pid)).toBe(false);
    } finally {
      child.kill();
    }
  });

  it('parses lsof output (the fallback where /proc is missing)', () => {
    const text = ['p4242', 'cnode', 'f23', 'n*:5173', 'f24', 'n[::1]:5173', 'p777', 'cpython3', 'f3', 'n127.0.0.1:8000', ''].join('\n');
    expect(parseLsofListen(text)).toEqual([
      {
        port: 5173,
        addresses: ['0.0.0.0', '::1'],
        process: { pid: 4242, startTime: '', command: 'node', commandLine: ['node'], cwd: null, uid: null },
      },
      {
        port: 8000,
        addresses: ['127.0.0.1'],
        process: { pid: 777, startTime: '', command: 'python3', commandLine: ['python3'], cwd: null, uid: null },
      },
    ]);
  });
});
