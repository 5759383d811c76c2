import * as z from 'zod';
import { type CandidateInput, normalizeBaseUrl } from './endpoint.js';
import { EndpointType, Scope } from './schema/endpoint.js';
import { Reason } from './schema/reason.js';
import { formatZodError } from './zod-issues.js';

/** What a provider (a plugin included) may propose: checked before anything is built or probed. */
const CandidateShape = z.object({
  type: EndpointType,
  url: z.string().max(2048),
  label: z.string().min(1).max(200),
  interface: z.string().max(64).optional(),
  hasDefaultRoute: z.boolean().optional(),
  scope: Scope.optional(),
  connect: z.object({ command: z.string().max(2048) }).optional(),
  blocked: z.object({ reason: Reason, detail: z.string().max(1024) }).optional(),
});

export type CandidateCheck = { ok: true; candidate: CandidateInput } | { ok: false; url: string; why: string };

/**
 * Whether a proposed candidate can become an endpoint: a known type the provider declared, an
 * http(s) URL that parses (no impossible address, no space in a name), no credentials in it.
 * One bad candidate is left out with why; it never breaks the list.
 */
export function checkCandidate(raw: unknown, allowedTypes: readonly string[]): CandidateCheck {
  const rawUrl = typeof (raw as { url?: unknown } | null)?.url === 'string' ? String((raw as { url: string }).url).slice(0, 200) : '';
  const parsed = CandidateShape.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, url: rawUrl, why: formatZodError(parsed.error, (path) => path.join('.') || 'candidate') };
  }
  const candidate = parsed.data as CandidateInput;
  if (!allowedTypes.includes(candidate.type))
    return { ok: false, url: rawUrl, why: `type ${candidate.type} is not one the provider declared` };
  let url: URL;
  try {
    url = normalizeBaseUrl(candidate.url);
  } catch {
    return { ok: false, url: rawUrl, why: 'not a valid http(s) URL' };
  }
  if (url.username || url.password) return { ok: false, url: `${url.protocol}//${url.host}/`, why: 'the URL contains credentials' };
  if (url.hostname === '') return { ok: false, url: rawUrl, why: 'the URL has no host' };
  return { ok: true, candidate };
}
