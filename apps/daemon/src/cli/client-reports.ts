import type { ClientOutcome, Endpoint } from '@endpointd/core';

const devices = (n: number) => `${n} device${n === 1 ? '' : 's'}`;
const who = (o: ClientOutcome) => o.label ?? o.clientId;

/**
 * What client devices reported for an endpoint, in one sentence for the table and doctor:
 * "verified here, but 2 devices could not reach it (Pixel: timeout, …): a firewall or Wi-Fi
 * client isolation may block it". Null when no device reported recently.
 */
export function describeClientReports(e: Endpoint): string | null {
  const r = e.reports;
  if (!r) return null;
  const failed = r.clients.filter((c) => !c.ok);
  const failures = failed.map((c) => `${who(c)}: ${c.failure ?? 'failed'}`).join(', ');
  if (r.allFailed) {
    const here = e.status === 'verified' ? 'verified here, but ' : '';
    return `${here}${devices(r.failed)} could not reach it (${failures}): a firewall or Wi-Fi client isolation may block it.`;
  }
  const reached = r.clients
    .filter((c) => c.ok)
    .map(who)
    .join(', ');
  return `reached from ${devices(r.reached)} (${reached})${failed.length ? `; ${devices(failed.length)} could not (${failures})` : ''}.`;
}
