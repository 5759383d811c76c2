import { IdentityCheck } from './schema/backend.js';

/**
 * Parses the CLI form of an identity check: `fingerprint`, `none`, `header:NAME[=VALUE]` or
 * `json-field:/PATH#FIELD`. Returns the zod result so callers report the reason as given.
 */
export function parseIdentitySpec(spec: string): ReturnType<typeof IdentityCheck.safeParse> {
  const [kind, rest = ''] = spec.split(/:(.*)/s, 2) as [string, string | undefined];
  if (kind === 'header') {
    const eq = rest.indexOf('=');
    return IdentityCheck.safeParse(eq === -1 ? { kind, name: rest } : { kind, name: rest.slice(0, eq), value: rest.slice(eq + 1) });
  }
  if (kind === 'json-field') {
    const hash = rest.lastIndexOf('#');
    return IdentityCheck.safeParse({
      kind,
      path: hash === -1 ? rest : rest.slice(0, hash),
      field: hash === -1 ? '' : rest.slice(hash + 1),
    });
  }
  return IdentityCheck.safeParse({ kind });
}
