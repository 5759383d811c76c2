#!/usr/bin/env node
// A small authoritative DNS server over UDP (RFC 1035 messages encoded by dns-packet), for tests
// that need to know who asked what and when. Two roles:
//   --role system   stands for this machine's resolver: records every query, answers NXDOMAIN
//                   (as a real resolver would for a name that does not exist yet, and then caches).
//   --role public   stands for the public resolvers: answers A for a tunnel name registered in
//                   $DIR/routes.json (by the fake cloudflared) only --delay-ms after it was
//                   registered (propagation), with --answer as its address; NXDOMAIN before.
// Every query and answer is appended to --log as JSON lines {at, name, type, rcode}.
// Prints "ready <port>" once bound.
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import packet from 'dns-packet';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    role: { type: 'string' },
    log: { type: 'string' },
    dir: { type: 'string' },
    answer: { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
  },
});
const [host = '127.0.0.1', port = '53'] = (values.listen ?? '').split(/:(?=\d+$)/);
const delayMs = Number(values['delay-ms']);

const published = (name) => {
  if (values.role !== 'public' || !values.dir) return false;
  const file = join(values.dir, 'routes.json');
  if (!existsSync(file)) return false;
  const route = JSON.parse(readFileSync(file, 'utf8'))[name];
  return Boolean(route && Date.now() - (route.at ?? 0) >= delayMs);
};

const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (message, rinfo) => {
  let query;
  try {
    query = packet.decode(message);
  } catch {
    return; // not DNS: dropped, as a server does
  }
  const question = query.questions?.[0];
  if (!question) return;
  const name = question.name.toLowerCase();
  const found = question.type === 'A' && published(name);
  const nodata = question.type !== 'A' && published(name);
  const rcode = found || nodata ? 'NOERROR' : 'NXDOMAIN';
  appendFileSync(values.log, `${JSON.stringify({ at: Date.now(), name, type: question.type, rcode })}\n`);
  const response = packet.encode({
    id: query.id,
    type: 'response',
    flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (rcode === 'NXDOMAIN' ? 3 : 0),
    questions: [question],
    answers: found ? [{ type: 'A', name: question.name, ttl: 60, data: values.answer }] : [],
  });
  socket.send(response, rinfo.port, rinfo.address);
});
socket.bind(Number(port), host, () => process.stdout.write(`ready ${socket.address().port}\n`));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
