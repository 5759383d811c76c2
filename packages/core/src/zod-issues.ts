import type * as z from 'zod';

/** A validation problem in a form every client can render in its own terms (flags, form fields). */
export interface FieldIssue {
  /** Where, e.g. ["options", "tokenFile"]; empty for the whole input. */
  path: string[];
  message: string;
}

/** zod's type messages in plain words: "is required", "must be a number (not a string)". */
export function plainMessage(message: string): string {
  const size = /^Too (small|big): expected (\w+) to (?:have|be) ([<>]=?)(\d+(?:\.\d+)?)(?: (\w+))?$/.exec(message);
  if (size) {
    const [, , kind, op = '', n = '', unit] = size;
    const bound = op.startsWith('>') ? (op === '>' ? 'more than' : 'at least') : op === '<' ? 'less than' : 'at most';
    if (kind === 'string' && op === '>=' && n === '1') return 'must not be empty';
    if (kind === 'number' || kind === 'int' || kind === 'bigint') return `must be ${bound} ${n}`;
    const what = unit ?? (kind === 'array' || kind === 'set' ? 'items' : 'characters');
    return `must have ${bound} ${n} ${n === '1' ? what.replace(/s$/, '') : what}`;
  }
  const options = /^Invalid option: expected one of (.+)$/.exec(message);
  if (options)
    return `must be one of ${(options[1] ?? '')
      .split('|')
      .map((o) => o.replace(/^"|"$/g, ''))
      .join(', ')}`;
  const m = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (!m) return message;
  if (m[2] === 'undefined') return 'is required';
  const article = (w: string) => (/^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`);
  return `must be ${article(m[1] ?? '')} (not ${m[2] === 'null' ? 'null' : article(m[2] ?? '')})`;
}

/** zod's issues as FieldIssues, in plain words. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String), message: plainMessage(i.message) }));
}

/**
 * One line for a list of issues: "name: message; …", where `name` turns a path into the caller's
 * word for it (a CLI flag, "options.tokenFile", a config key). A message that already names the
 * field ("tokenFile must be…") gets the caller's word in place instead of a prefix.
 */
export function formatIssues(issues: readonly FieldIssue[], name: (path: string[]) => string | null = (p) => p.join('.') || null): string {
  const parts = issues.map(({ path, message }) => {
    const label = name(path);
    const field = path.at(-1);
    if (label && field && new RegExp(`^${field}\\b`).test(message)) return message.replace(field, label);
    if (label && message === 'is required') return `${label} is required`;
    return label ? `${label}: ${message}` : message;
  });
  return [...new Set(parts)].join('; ');
}

/** formatIssues over a ZodError. */
export function formatZodError(error: z.ZodError, name?: (path: string[]) => string | null): string {
  return formatIssues(fieldIssues(error), name);
}
