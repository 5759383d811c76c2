import * as z from 'zod';
import { IdentityCheck } from './schema/backend.js';

/**
 * How a known app is recognised by one loopback GET, and the identity check its backend should
 * use. The table is data: add an entry to recognise another app (tests run each against a
 * fixture that answers like the real one). First match wins; probes are shared by path.
 */
export const AppFingerprint = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string(),
  /** The path requested on loopback. */
  path: z.string().startsWith('/'),
  match: z.object({
    /** The answer is JSON with this top-level field (any of them). */
    jsonField: z.array(z.string()).optional(),
    /** The body contains this text. */
    bodyIncludes: z.string().optional(),
    /** A response header contains this text. */
    header: z.object({ name: z.string(), includes: z.string() }).optional(),
  }),
  /** The identity check for a backend adopted from it; `json-field` takes the first matched field. */
  identity: IdentityCheck,
});
export type AppFingerprint = z.infer<typeof AppFingerprint>;

export const APP_FINGERPRINTS: readonly AppFingerprint[] = Object.freeze(
  z.array(AppFingerprint).parse([
    {
      // The environment id persists across restarts: the strongest identity there is.
      id: 't3code',
      label: 'T3 Code',
      path: '/.well-known/t3/environment',
      match: { jsonField: ['environmentId'] },
      identity: { kind: 'json-field', path: '/.well-known/t3/environment', field: 'environmentId' },
    },
    {
      // `opencode serve`: { healthy: true, version } — the same for every instance, so the page is compared.
      id: 'opencode',
      label: 'OpenCode server',
      path: '/global/health',
      match: { jsonField: ['healthy'] },
      identity: { kind: 'fingerprint' },
    },
    {
      // Its clients confirm the daemon with this route; the id field names the instance.
      id: 'agent-orchestrator',
      label: 'Agent Orchestrator',
      path: '/api/v1/identity',
      match: { jsonField: ['id', 'instanceId', 'daemonId'] },
      identity: { kind: 'json-field', path: '/api/v1/identity', field: 'id' },
    },
    {
      id: 'vite',
      label: 'Vite dev server',
      path: '/',
      match: { bodyIncludes: '/@vite/client' },
      identity: { kind: 'fingerprint' },
    },
    {
      id: 'nextjs',
      label: 'Next.js',
      path: '/',
      match: { header: { name: 'x-powered-by', includes: 'Next.js' } },
      identity: { kind: 'fingerprint' },
    },
  ]),
);

/** What one GET answered, as the fingerprints read it. */
export interface FingerprintAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The first fingerprint that matches the answers (by path), with its identity check; null when none does. */
export function matchFingerprint(
  answers: ReadonlyMap<string, FingerprintAnswer | null>,
  table: readonly AppFingerprint[] = APP_FINGERPRINTS,
): { fingerprint: AppFingerprint; identity: IdentityCheck } | null {
  for (const fp of table) {
    const a = answers.get(fp.path);
    if (!a || a.status < 200 || a.status >= 300) continue;
    const { jsonField, bodyIncludes, header } = fp.match;
    if (bodyIncludes !== undefined && !a.body.includes(bodyIncludes)) continue;
    if (header) {
      const v = a.headers[header.name.toLowerCase()];
      if (!(Array.isArray(v) ? v.join(', ') : (v ?? '')).includes(header.includes)) continue;
    }
    let identity = fp.identity;
    if (jsonField) {
      let json: unknown;
      try {
        json = JSON.parse(a.body);
      } catch {
        continue;
      }
      if (!json || typeof json !== 'object') continue;
      const field = jsonField.find((f) => f in (json as object));
      if (field === undefined) continue;
      if (identity.kind === 'json-field') identity = { ...identity, field };
    }
    return { fingerprint: fp, identity };
  }
  return null;
}
