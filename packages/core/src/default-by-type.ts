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

function bestVerified(endpoints: readonly Endpoint[], type: EndpointType): Endpoint | undefined {
  return endpoints.filter((e) => e.type === type && e.status === 'verified').sort(compareWithinType)[0];
}

function firstAutomatic(endpoints: readonly Endpoint[]): Endpoint | undefined {
  for (const type of AUTO_DEFAULT_ORDER) {
    const found = bestVerified(endpoints, type);
    if (found) return found;
  }
  return undefined;
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
    const kept = endpoints.find((e) => e.id === previous.endpointId && e.status === 'verified' && e.type === fresh.type);
    if (kept) return { ...fresh, endpointId: kept.id };
  }
  return fresh;
}

/** Why the default moved from `before` to `after` (one sentence), for the `default` event. */
export function describeDefaultMove(
  before: { default: DefaultResolution; endpoints: readonly Endpoint[] } | null,
  after: { default: DefaultResolution; endpoints: readonly Endpoint[] },
): string {
  if (!before || before.default.endpointId === null) return after.default.reason;
  if (before.default.requestedType !== after.default.requestedType)
    return after.default.requestedType === null
      ? `The saved default type was cleared. ${after.default.reason}`
      : `The saved default type changed to ${after.default.requestedType}. ${after.default.reason}`;
  const old = after.endpoints.find((e) => e.id === before.default.endpointId);
  const oldUrl = before.endpoints.find((e) => e.id === before.default.endpointId)?.url ?? before.default.endpointId;
  if (!old) return `The previous default ${oldUrl} is no longer listed (its address or tunnel went away). ${after.default.reason}`;
  if (old.status !== 'verified')
    return `The previous default ${oldUrl} is now ${old.status}${old.verification.reason ? ` (${old.verification.reason})` : ''}. ${after.default.reason}`;
  return `A verified endpoint of a preferred type is available. ${after.default.reason}`;
}

function resolveFresh(endpoints: readonly Endpoint[], savedType: EndpointType | null): DefaultResolution {
  if (savedType !== null) {
    const saved = bestVerified(endpoints, savedType);
    if (saved) {
      return {
        type: savedType,
        endpointId: saved.id,
        requestedType: savedType,
        fallback: false,
        reason: `The saved default type ${savedType} has a verified endpoint.`,
      };
    }
    const other = firstAutomatic(endpoints.filter((e) => e.type !== savedType));
    return {
      type: other?.type ?? null,
      endpointId: other?.id ?? null,
      requestedType: savedType,
      fallback: true,
      reason: other
        ? `No verified ${savedType} endpoint right now, so the first verified type in the automatic order (${other.type}) is used instead.`
        : `No verified ${savedType} endpoint right now, and no other endpoint is verified (loopback is never chosen automatically).`,
    };
  }
  const auto = firstAutomatic(endpoints);
  return {
    type: auto?.type ?? null,
    endpointId: auto?.id ?? null,
    requestedType: null,
    fallback: false,
    reason: auto
      ? `No default type is saved; ${auto.type} is the first verified type in the automatic order.`
      : 'No default type is saved and no endpoint is verified (loopback is never chosen automatically).',
  };
}

/** Returns copies of the endpoints with isDefault set on exactly the resolved one. */
export function markDefault(endpoints: readonly Endpoint[], resolution: DefaultResolution): Endpoint[] {
  return endpoints.map((e) => ({ ...e, isDefault: e.id === resolution.endpointId }));
}
