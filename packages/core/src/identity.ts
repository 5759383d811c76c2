import { createHash } from 'node:crypto';
import type { ProbeAnswer } from './http-probe.js';
import type { IdentityCheck } from './schema/backend.js';

/**
 * What is compared when the identity check is a fingerprint. Headers such as Server are left out
 * on purpose: reverse proxies and tunnels rewrite them.
 */
export interface Fingerprint {
  status: number;
  contentType: string;
  bodyHash: string;
  title: string | null;
  /** Hash of the body's structure (HTML tag sequence, JSON key layout), stable when only text changes. */
  shapeHash: string | null;
}

/** The loopback answer's identity, against which every candidate is compared. */
export type IdentityReference =
  | { kind: 'fingerprint'; strength: 'strong' | 'weak'; fingerprint: Fingerprint }
  | { kind: 'json-field'; value: string }
  | { kind: 'header'; value: string }
  | { kind: 'none' };

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Fingerprints an answer. The authority the request was sent to is blanked out of the body
 * first, so a page that echoes its own URL still matches across addresses.
 */
export function fingerprintAnswer(answer: ProbeAnswer, authority: string): Fingerprint {
  const text = answer.body.toString('latin1').split(authority).join('{authority}');
  const title = /<title[^>]*>([^<]{0,200})<\/title>/i.exec(text)?.[1]?.trim() ?? null;
  const contentType = (headerText(answer.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const shape = shapeOf(contentType, answer.body);
  return {
    status: answer.status,
    contentType,
    bodyHash: sha256(text),
    title,
    shapeHash: shape === null ? null : sha256(shape),
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function jsonShape(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length ? jsonShape(value[0]) : ''}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${k}:${jsonShape((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return value === null ? 'null' : typeof value;
}

/** The structure of a body without its text: what stays the same when a page embeds a nonce or a clock. */
function shapeOf(contentType: string, body: Buffer): string | null {
  if (contentType.includes('html') || contentType.includes('xml')) {
    return [...body.toString('latin1').matchAll(/<(\/?[a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]?.toLowerCase()).join(' ');
  }
  if (contentType.includes('json')) {
    try {
      return jsonShape(JSON.parse(body.toString('utf8')));
    } catch {
      return null;
    }
  }
  return null;
}

/** Reads a dot path ("data.environmentId") from a JSON body; null when absent or not JSON. */
export function readJsonField(body: Buffer, field: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  for (const key of field.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === null || value === undefined || typeof value === 'object') return null;
  return String(value);
}

/** Two fingerprints of the same backend: exact when its page is stable, else status, type, title and shape. */
export function matchesFingerprint(ref: Fingerprint, strength: 'strong' | 'weak', got: Fingerprint): boolean {
  const loose =
    ref.status === got.status && ref.contentType === got.contentType && ref.title === got.title && ref.shapeHash === got.shapeHash;
  return strength === 'strong' ? loose && ref.bodyHash === got.bodyHash : loose;
}

/** Builds the fingerprint reference from two loopback samples: differing bodies make it weak. */
export function fingerprintReference(a: Fingerprint, b: Fingerprint): IdentityReference {
  const strength = a.bodyHash === b.bodyHash && a.status === b.status ? 'strong' : 'weak';
  return { kind: 'fingerprint', strength, fingerprint: a };
}

/** Whether a candidate's answers carry the reference identity. */
export function matchesIdentity(
  check: IdentityCheck,
  ref: IdentityReference,
  probeAnswer: ProbeAnswer,
  identityAnswer: ProbeAnswer | null,
  authority: string,
): boolean {
  switch (ref.kind) {
    case 'none':
      return true;
    case 'fingerprint':
      return matchesFingerprint(ref.fingerprint, ref.strength, fingerprintAnswer(probeAnswer, authority));
    case 'header':
      return check.kind === 'header' && headerText(probeAnswer.headers[check.name.toLowerCase()]) === ref.value;
    case 'json-field':
      return (
        check.kind === 'json-field' &&
        identityAnswer !== null &&
        identityAnswer.status < 400 &&
        readJsonField(identityAnswer.body, check.field) === ref.value
      );
  }
}
