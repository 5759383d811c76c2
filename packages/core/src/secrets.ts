/**
 * Secret values the process knows (its API token, the contents of token files it hands to child
 * tools). Patterns catch secrets of known shapes; this catches them by value, whatever text they
 * end up in: child output tails, exposure errors, provider reports, logs.
 */
const known = new Set<string>();

/** Shorter values would redact ordinary words; real tokens are far longer. */
export const MIN_SECRET_LENGTH = 8;
export const REDACTED = '[redacted]';

/** Remembers a secret value (and each of its lines, for multi-line files) for redaction. */
export function registerSecret(value: string): void {
  for (const part of [value, ...value.split(/\r?\n/)]) {
    const v = part.trim();
    if (v.length >= MIN_SECRET_LENGTH) known.add(v);
  }
}

/** Replaces every known secret value in `text`. */
export function redactSecrets(text: string): string {
  let out = text;
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** For tests: forgets every registered value. */
export function clearSecrets(): void {
  known.clear();
}
