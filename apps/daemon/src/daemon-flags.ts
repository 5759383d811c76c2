import { isIP } from 'node:net';
import { Backend, classifyAddress, formatZodError } from '@endpointd/core';
import { UsageError } from './cli/usage-error.js';

export { DEFAULT_LISTEN } from './client/daemon-address.js';

/** Parses host:port ("127.0.0.1:4737", "[::1]:4737", "localhost:0"). */
export function parseListen(value: string, command = ''): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port > 65_535) throw new UsageError(`--listen must be HOST:PORT, got "${value}"`, command);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** True for addresses only this machine can reach. */
export function isLoopbackListen(host: string): boolean {
  return host === 'localhost' || (isIP(host) !== 0 && classifyAddress(host) === 'loopback');
}

/** Parses `--backend NAME=PORT`. */
export function parseBackendFlag(value: string, command = ''): Backend {
  const m = /^([^=]+)=(\d{1,5})$/.exec(value);
  if (!m) throw new UsageError(`--backend must be NAME=PORT, got "${value}"`, command);
  const parsed = Backend.safeParse({ name: m[1], port: Number(m[2]) });
  if (!parsed.success) throw new UsageError(`--backend ${value}: ${formatZodError(parsed.error)}`, command);
  return parsed.data;
}
