import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, readListenLines } from './listening-sockets.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1
   3: 01014D0A:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 6 1 0000000000000000 100 0 0 10 0
   2: 0000BEFD0000000000000000010000C0:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('decodes little-endian IPv4 listeners and skips established sockets', () => {
    expect(parseProcNetTcp(TCP)).toEqual([
      { address: '127.0.0.1', port: 3000, inode: 1 },
      { address: '0.0.0.0', port: 8080, inode: 2 },
      { address: '10.77.1.1', port: 3001, inode: 4 },
    ]);
  });
  it('decodes IPv6 listeners: ::, ::1 and a ULA', () => {
    expect(parseProcNetTcp(TCP6)).toEqual([
      { address: '::', port: 3000, inode: 5 },
      { address: '::1', port: 8080, inode: 6 },
      { address: 'fdbe::c000:1', port: 80, inode: 7 },
    ]);
  });
});

describe('readListenLines (issue 11.1: a liveness read that stops after the listeners)', () => {
  it('returns every listener, also beyond one read, and stops at the first socket in another state', async () => {
    const servers = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<Server>((resolve) => {
            const s = createServer((socket) => socket.on('error', () => undefined));
            s.listen(0, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    // Established connections come after the listeners in the kernel's walk.
    const clients = await Promise.all(
      servers.slice(0, 30).map(
        (s) =>
          new Promise<Socket>((resolve) => {
            const c = connect((s.address() as AddressInfo).port, '127.0.0.1', () => resolve(c));
          }),
      ),
    );
    try {
      const text = readListenLines('/proc/net/tcp');
      const listeners = parseProcNetTcp(text).map((x) => x.port);
      for (const s of servers) expect(listeners).toContain((s.address() as AddressInfo).port);
      const others = text
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '' && l.trim().split(/\s+/)[3] !== '0A');
      // Only what the last short read rendered after the listeners, never the 60 established lines.
      expect(others.length).toBeGreaterThan(0);
      expect(others.length).toBeLessThan(16);
    } finally {
      for (const c of clients) c.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  });
  it('answers empty text for a file that cannot be read', async () => {
    expect(readListenLines('/proc/net/does-not-exist')).toBe('');
  });
});
