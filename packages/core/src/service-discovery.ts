import { isIP } from 'node:net';
import { formatUrlHost, normalizeAddress } from './address.js';
import { APP_FINGERPRINTS, type AppFingerprint, type FingerprintAnswer, matchFingerprint } from './app-fingerprints.js';
import { detectBackendScheme } from './backend-scheme.js';
import { parseConnectTo } from './connect-to.js';
import { probeHttp } from './http-probe.js';
import { createListeningScanner, createLsofScanner, type ListeningScanner, type ListeningService } from './listening-processes.js';
import type { IdentityCheck } from './schema/backend.js';
import type { DiscoveredApp, DiscoveredService } from './schema/discovery.js';
import { chooseReferenceHost } from './verifier.js';

/** Fingerprint probes go to loopback and answer at once, or the port does not speak HTTP. */
export const FINGERPRINT_TIMEOUT_MS = 400;

/** System services nobody wants as a backend: left out of discovery by command name. */
export const SYSTEM_COMMANDS: ReadonlySet<string> = new Set([
  'sshd',
  'systemd',
  'systemd-resolve',
  'systemd-resolved',
  'systemd-network',
  'cupsd',
  'dnsmasq',
  'avahi-daemon',
  'chronyd',
  'rpcbind',
  'rpc.statd',
  'containerd',
  'dockerd',
  'docker-proxy',
  'tailscaled',
  'exim4',
  'master',
  'smbd',
  'nmbd',
  'launchd',
  'mDNSResponder',
  'rapportd',
  'ControlCenter',
]);
/** …and by port when the owner is not visible: SSH, SMTP, DNS, rpcbind, IPP, mDNS. */
export const SYSTEM_PORTS: ReadonlySet<number> = new Set([22, 25, 53, 111, 631, 5353]);

const GENERIC_HTTP: DiscoveredApp = { id: 'http', label: 'HTTP server' };
const NOT_HTTP: DiscoveredApp = { id: 'tcp', label: 'TCP service (not HTTP)' };

interface Label {
  app: DiscoveredApp;
  identity: IdentityCheck;
  scheme: 'http' | 'https' | null;
}

function bindOf(addresses: readonly string[]): DiscoveredService['bind'] {
  const a = addresses.map(normalizeAddress);
  if (a.some((x) => x === '0.0.0.0' || x === '::')) return 'all-interfaces';
  if (a.every((x) => x.startsWith('127.') || x === '::1')) return 'loopback-only';
  return 'specific-addresses';
}

/** Recognises what answers on a port with one loopback GET per fingerprint path. */
export async function labelService(
  port: number,
  addresses: readonly string[],
  options: { timeoutMs?: number; table?: readonly AppFingerprint[] } = {},
): Promise<Label> {
  const timeoutMs = options.timeoutMs ?? FINGERPRINT_TIMEOUT_MS;
  const table = options.table ?? APP_FINGERPRINTS;
  const host = chooseReferenceHost({ listening: true, addresses: [...addresses] }) ?? '127.0.0.1';
  const scheme = await detectBackendScheme(host, port, timeoutMs);
  if (scheme === null) return { app: NOT_HTTP, identity: { kind: 'none' }, scheme: null };
  const base = `${scheme}://${isIP(host) ? formatUrlHost(host) : host}:${port}`;
  const connectTo = parseConnectTo('');
  const paths = [...new Set(['/', ...table.map((f) => f.path)])];
  const answers = new Map<string, FingerprintAnswer | null>();
  await Promise.all(
    paths.map(async (path) => {
      const r = await probeHttp({ url: new URL(path, base), timeoutMs, connectTo });
      answers.set(path, r.ok ? { status: r.status, headers: r.headers, body: r.body.toString('utf8') } : null);
    }),
  );
  const matched = matchFingerprint(answers, table);
  if (matched) return { app: { id: matched.fingerprint.id, label: matched.fingerprint.label }, identity: matched.identity, scheme };
  return answers.get('/')
    ? { app: GENERIC_HTTP, identity: { kind: 'fingerprint' }, scheme }
    : { app: NOT_HTTP, identity: { kind: 'none' }, scheme: null };
}

function suggestName(service: ListeningService, app: DiscoveredApp): string {
  const base = app.id === 'http' || app.id === 'tcp' ? (service.process?.command ?? 'port') : app.id;
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'port';
  return `${clean.slice(0, 50)}-${service.port}`;
}

/** Lists this machine's listening services, labelled, excluding the daemon itself and system services. */
export interface ServiceDiscovery {
  /** null where listening sockets cannot be read here. */
  list(backends?: ReadonlyArray<{ name: string; port: number }>): Promise<DiscoveredService[] | null>;
}

export function createServiceDiscovery(
  options: { scanner?: ListeningScanner; selfPid?: number; timeoutMs?: number; table?: readonly AppFingerprint[] } = {},
): ServiceDiscovery {
  const scanner = options.scanner ?? (process.platform === 'linux' ? createListeningScanner() : createLsofScanner());
  const selfPid = options.selfPid ?? process.pid;
  // A label is probed once per process life and port (a restart is a new process).
  const labels = new Map<string, Promise<Label>>();
  const keyOf = (s: ListeningService) => `${s.process?.pid ?? '-'}:${s.process?.startTime ?? ''}:${s.port}:${s.addresses.join(',')}`;

  return {
    async list(backends = []) {
      const services = await scanner.scan();
      if (services === null) return null;
      const kept = services.filter(
        (s) => s.process?.pid !== selfPid && !SYSTEM_PORTS.has(s.port) && !(s.process && SYSTEM_COMMANDS.has(s.process.command)),
      );
      const live = new Set(kept.map(keyOf));
      for (const k of labels.keys()) if (!live.has(k)) labels.delete(k);
      return await Promise.all(
        kept.map(async (s): Promise<DiscoveredService> => {
          const key = keyOf(s);
          let label = labels.get(key);
          if (!label) {
            label = labelService(s.port, s.addresses, {
              ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
              ...(options.table ? { table: options.table } : {}),
            });
            labels.set(key, label);
          }
          const { app, identity, scheme } = await label;
          return {
            port: s.port,
            addresses: s.addresses,
            bind: bindOf(s.addresses),
            pid: s.process?.pid ?? null,
            command: s.process?.command ?? null,
            commandLine: s.process?.commandLine ?? null,
            cwd: s.process?.cwd ?? null,
            app,
            scheme,
            identity,
            suggestedName: suggestName(s, app),
            backend: backends.find((b) => b.port === s.port)?.name ?? null,
          };
        }),
      );
    },
  };
}
