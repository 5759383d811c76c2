import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { inNamespace } from './processes.js';

export interface NginxServer {
  /** host:port nginx listens on, e.g. 127.0.0.1:8443 */
  listen: string;
  serverName: string;
  cert: string;
  key: string;
  /** Forward WebSocket upgrades (the usual reverse-proxy recipe). */
  websocket: boolean;
  upstream: string;
  /** More directives for the location block (e.g. proxy_buffering off). */
  extra?: string[];
}

const READY_TIMEOUT_MS = 10_000;

/** Runs a real nginx (foreground, own prefix) inside a namespace, as a user's reverse proxy would. */
export async function startNginx(
  ns: string,
  servers: NginxServer[],
): Promise<{ stop(): Promise<void>; errorLog(): string; accessLog(): string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'endpointd-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, d));
  const blocks = servers.map(
    (s) => `
  server {
    listen ${s.listen} ssl;
    server_name ${s.serverName};
    ssl_certificate ${s.cert};
    ssl_certificate_key ${s.key};
    location / {
      proxy_pass http://${s.upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      ${s.websocket ? 'proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection "upgrade";' : ''}
      ${(s.extra ?? []).join('\n      ')}
    }
  }`,
  );
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
user root;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  log_format plain '$remote_addr "$request" $status';
  access_log ${prefix}/access.log plain;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${blocks.join('\n')}
}
`,
  );
  const [cmd, argv] = inNamespace(ns, 'nginx', ['-p', prefix, '-c', conf]);
  const child: ResultPromise = execa(cmd, argv, { reject: false });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const [c, a] = inNamespace(ns, 'ss', ['-Htln']);
    const { stdout } = await execa(c, a);
    if (servers.every((s) => stdout.includes(s.listen))) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${String((await child).stderr)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stop: async () => {
      child.kill('SIGQUIT');
      await child;
    },
    errorLog: () => readFileSync(join(prefix, 'error.log'), 'utf8'),
    accessLog: () => {
      try {
        return readFileSync(join(prefix, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
}
