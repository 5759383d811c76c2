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
  'ssh-reverse',
  'custom',
]);

/** Listing order of types: the contract's table order, which the enum keeps. */
export const TYPE_ORDER: readonly EndpointType[] = EndpointType.options;

const FAMILY_RANK = { ipv4: 0, dns: 0, ipv6: 1 } as const;

/** Within one type: the default-route interface first, IPv4 before IPv6, then lowest latency. */
export function compareWithinType(a: Endpoint, b: Endpoint): number {
  return (
    Number(b.hasDefaultRoute === true) - Number(a.hasDefaultRoute === true) ||
    FAMILY_RANK[a.family] - FAMILY_RANK[b.family] ||
    (a.verification.latencyMs ?? Number.POSITIVE_INFINITY) - (b.verification.latencyMs ?? Number.POSITIVE_INFINITY) ||
    a.url.localeCompare(b.url)
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

/** Resolves a backend's default endpoint from its saved type, with a visible fallback. */
export function resolveDefault(endpoints: readonly Endpoint[], savedType: EndpointType | null): DefaultResolution {
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
