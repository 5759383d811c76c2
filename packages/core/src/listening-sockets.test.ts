import { describe, expect, it } from 'vitest';
import { parseProcNetTcp } from './listening-sockets.js';

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
