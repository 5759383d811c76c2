import { EndpointList } from '@endpointd/core';
import { expect } from 'vitest';
import { runEndpoints } from './processes.js';

/** Runs `endpoints list --json --all` in a namespace and validates the answer with core's schema. */
export async function listJson(ns: string, port: number, extra: string[] = [], env: Record<string, string> = {}): Promise<EndpointList> {
  const r = await runEndpoints(ns, ['list', '--port', String(port), '--json', '--all', ...extra], env);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return EndpointList.parse(JSON.parse(String(r.stdout)));
}

export function byUrl(list: EndpointList, url: string) {
  const found = list.endpoints.find((e) => e.url === url);
  if (!found) throw new Error(`no endpoint ${url} in ${list.endpoints.map((e) => e.url).join(', ')}`);
  return found;
}

/** Unique per test file and process, short enough for interface and namespace names. */
export function tag(name: string): string {
  return `${name}${process.pid % 10_000}`;
}
