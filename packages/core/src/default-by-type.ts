import type { DefaultResolution } from './schema/api.js';
import { type Endpoint, EndpointType } from './schema/endpoint.js';

/** With nothing saved, the first verified type of this list wins. Loopback is never chosen automatically. */
export const AUTO_DEFAULT_ORDER: readonly EndpointType[] = Object.freeze([
  'lan',
  'tailscale-serve',
  'tailscale-magicdns',
  'tailscale-ip',
  'cloudflare-named',
  'cloudflare-quick',
  'relay',
  'ssh-reverse',
  'custom',
]);

/** Listing order of types: the contract's table order, which the enum keeps. */
export const TYPE_ORDER: readonly EndpointType[] = EndpointType.options;

const FAMILY_RANK = { ipv4: 0, dns: 0, ipv6: 1 } as const;

/** Plain code-unit order: the same on every machine, whatever its locale. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Within one type: the default-route interface first, IPv4 before IPv6, then interface name and
 * URL. Never latency: a measured latency changes on every probe, and an order (or a default)
 * that follows it would change with no change on the machine. Latency is shown, not sorted on.
 */
export function compareWithinType(a: Endpoint, b: Endpoint): number {
  return (
    Number(b.hasDefaultRoute === true) - Number(a.hasDefaultRoute === true) ||
    FAMILY_RANK[a.family] - FAMILY_RANK[b.family] ||
    byCodeUnit(a.interface ?? '', b.interface ?? '') ||
    byCodeUnit(a.url, b.url)
  );
}

/** Sorts endpoints by type (contract order), then by preference within the type. */
export function sortEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  return [...endpoints].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || compareWithinType(a, b));
}

/**
 * Verified here, but every client device that reported recently could not reach it (a firewall,
 * Wi-Fi client isolation): ranked after the others when the default is chosen.
 */
export function failedByClients(e: Endpoint): boolean {
  return e.reports?.allFailed === true;
}

function bestVerified(endpoints: readonly Endpoint[], type: EndpointType): Endpoint | undefined {
  return endpoints
    .filter((e) => e.type === type && e.status === 'verified')
    .sort((a, b) => Number(failedByClients(a)) - Number(failedByClients(b)) || compareWithinType(a, b))[0];
}

/** The first verified endpoint in the automatic order that devices reached, else the first verified at all. */
function firstAutomatic(endpoints: readonly Endpoint[]): Endpoint | undefined {
  const reached = endpoints.filter((e) => !failedByClients(e));
  for (const type of AUTO_DEFAULT_ORDER) {
    const found = bestVerified(reached, type);
    if (found) return found;
  }
  for (const type of AUTO_DEFAULT_ORDER) {
    const found = bestVerified(endpoints, type);
    if (found) return found;
  }
  return undefined;
}

/** The first verified endpoint (in list order) among `which` that every reporting device failed. */
function passedOverFor(endpoints: readonly Endpoint[], which: (e: Endpoint) => boolean): Endpoint | undefined {
  return sortEndpoints(endpoints.filter((e) => e.status === 'verified' && failedByClients(e) && which(e)))[0];
}

function devices(e: Endpoint): string {
  const n = e.reports?.failed ?? 0;
  return `${n} device${n === 1 ? '' : 's'}`;
}

/**
 * Resolves a backend's default endpoint from its saved type, with a visible fallback. The default
 * is sticky: the previous default endpoint stays the default while it is verified and of the
 * type that would be chosen now, even if another endpoint of that type now ranks first.
 */
export function resolveDefault(
  endpoints: readonly Endpoint[],
  savedType: EndpointType | null,
  previous: Pick<DefaultResolution, 'endpointId'> | null = null,
): DefaultResolution {
  const fresh = resolveFresh(endpoints, savedType);
  if (previous?.endpointId && fresh.type !== null && previous.endpointId !== fresh.endpointId) {
    const kept = endpoints.find(
      (e) => e.id === previous.endpointId && e.status === 'verified' && e.type === fresh.type && !failedByClients(e),
    );
    if (kept) return { ...fresh, endpointId: kept.id };
  }
  return fresh;
}

/** Why the default moved from `before` to `after` (one sentence), for the `default` event. */
export function describeDefaultMove(
  before: { default: DefaultResolution; endpoints: readonly Endpoint[] } | null,
  after: { default: DefaultResolution; endpoints: readonly Endpoint[] },
): string {
  if (!before || before.default.endpointId === null) return after.default.why;
  if (before.default.requestedType !== after.default.requestedType)
    return after.default.requestedType === null
      ? `The saved default type was cleared. ${after.default.why}`
      : `The saved default type changed to ${after.default.requestedType}. ${after.default.why}`;
  const old = after.endpoints.find((e) => e.id === before.default.endpointId);
  const oldUrl = before.endpoints.find((e) => e.id === before.default.endpointId)?.url ?? before.default.endpointId;
  if (!old) return `The previous default ${oldUrl} is no longer listed (its address or tunnel went away). ${after.default.why}`;
  if (old.status !== 'verified')
    return `The previous default ${oldUrl} is now ${old.status}${old.verification.reason ? ` (${old.verification.reason})` : ''}. ${after.default.why}`;
  if (failedByClients(old))
    return `The previous default ${oldUrl} is verified here, but ${devices(old)} could not reach it. ${after.default.why}`;
  return `A verified endpoint of a preferred type is available. ${after.default.why}`;
}

function resolveFresh(endpoints: readonly Endpoint[], savedType: EndpointType | null): DefaultResolution {
  if (savedType !== null) {
    const saved = bestVerified(endpoints, savedType);
    if (saved && failedByClients(saved)) {
      const other = firstAutomatic(endpoints.filter((e) => e.type !== savedType && !failedByClients(e)));
      const why = `The ${savedType} endpoint is verified here, but ${devices(saved)} that reported could not reach it (a firewall or Wi-Fi client isolation may block it)`;
      if (other) {
        return {
          type: other.type,
          endpointId: other.id,
          requestedType: savedType,
          fallback: true,
          why: `${why}, so ${other.type}, which devices reached, is used instead.`,
        };
      }
      return {
        type: savedType,
        endpointId: saved.id,
        requestedType: savedType,
        fallback: false,
        why: `${why}; no other endpoint did better, so it stays the default.`,
      };
    }
    if (saved) {
      const sibling = passedOverFor(endpoints, (e) => e.type === savedType);
      return {
        type: savedType,
        endpointId: saved.id,
        requestedType: savedType,
        fallback: false,
        why: sibling
          ? `The saved default type ${savedType} has a verified endpoint that devices reached; ${sibling.url} is verified here too, but ${devices(sibling)} that reported could not reach it.`
          : `The saved default type ${savedType} has a verified endpoint.`,
      };
    }
    const other = firstAutomatic(endpoints.filter((e) => e.type !== savedType));
    return {
      type: other?.type ?? null,
      endpointId: other?.id ?? null,
      requestedType: savedType,
      fallback: true,
      why: other
        ? `No verified ${savedType} endpoint right now, so the first verified type in the automatic order (${other.type}) is used instead.`
        : `No verified ${savedType} endpoint right now, and no other endpoint is verified (loopback is never chosen automatically).`,
    };
  }
  const auto = firstAutomatic(endpoints);
  // A type earlier in the order that is verified here but that every reporting device failed.
  const rank = (t: EndpointType) => AUTO_DEFAULT_ORDER.indexOf(t);
  const passedOver = auto ? passedOverFor(endpoints, (e) => rank(e.type) !== -1 && rank(e.type) <= rank(auto.type)) : undefined;
  return {
    type: auto?.type ?? null,
    endpointId: auto?.id ?? null,
    requestedType: null,
    fallback: false,
    why: !auto
      ? 'No default type is saved and no endpoint is verified (loopback is never chosen automatically).'
      : passedOver
        ? `No default type is saved; ${passedOver.url} (${passedOver.type}) is verified here, but ${devices(passedOver)} that reported could not reach it, so ${auto.type} is used.`
        : failedByClients(auto)
          ? `No default type is saved; ${auto.type} is the first verified type in the automatic order, though ${devices(auto)} that reported could not reach it.`
          : `No default type is saved; ${auto.type} is the first verified type in the automatic order.`,
  };
}

/** Returns copies of the endpoints with isDefault set on exactly the resolved one. */
export function markDefault(endpoints: readonly Endpoint[], resolution: DefaultResolution): Endpoint[] {
  return endpoints.map((e) => ({ ...e, isDefault: e.id === resolution.endpointId }));
}
