import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { ConsoleSession } from '@endpointd/core';
import * as z from 'zod';
import { writeFileAtomicSync } from './atomic-file.js';
import { HOME_FILES, readHomeFile } from './home.js';

/** A login link works once, within this. */
export const LOGIN_LINK_TTL_MS = 60_000;
/** A console session lasts this long after it was opened. */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** The console's cookie: HttpOnly, SameSite=Strict, Path=/ on the daemon's own origin. */
export const SESSION_COOKIE = 'endpointd_session';

const Stored = z.object({
  id: z.string(),
  hash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
});
type Stored = z.infer<typeof Stored>;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * One-time login links and the console sessions they open. Sessions are kept in
 * $ENDPOINTD_HOME/sessions.json (0600, written atomically) as hashes of their secrets, so a
 * restarted daemon keeps the console logged in while the file never holds a usable cookie.
 */
export interface SessionBook {
  /** A new one-time code for GET /console/login?code=… */
  createLoginCode(): { code: string; expiresAt: string };
  /** Uses a code once; a new session's cookie value, or null when the code is unknown, used or expired. */
  redeem(code: string, userAgent: string | null): { cookie: string; session: Stored } | null;
  /** The session a cookie value belongs to, or null. */
  check(cookie: string): string | null;
  list(currentId: string | null): ConsoleSession[];
  revoke(id: string): boolean;
  revokeAll(): number;
  /** Called with each revoked session's id (open event streams of that session are closed). */
  onRevoke(listener: (id: string) => void): () => void;
}

export function createSessionBook(home: string, now: () => number = Date.now): SessionBook {
  const file = join(home, HOME_FILES.sessions);
  const codes = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  const revokeListeners = new Set<(id: string) => void>();
  const revoked = (ids: string[]) => {
    for (const id of ids) for (const l of revokeListeners) l(id);
  };
  let sessions = load();

  function load(): Stored[] {
    try {
      const parsed = z.array(Stored).safeParse(JSON.parse(readHomeFile(file) ?? '[]'));
      return parsed.success ? parsed.data.filter((s) => Date.parse(s.expiresAt) > now()) : [];
    } catch {
      return []; // unreadable: everyone logs in again, which is safe
    }
  }
  function save(): void {
    writeFileAtomicSync(file, `${JSON.stringify(sessions, null, 2)}\n`);
  }
  function prune(): void {
    const before = sessions.length;
    sessions = sessions.filter((s) => Date.parse(s.expiresAt) > now());
    if (sessions.length !== before) save();
    for (const [code, until] of codes) if (until <= now()) codes.delete(code);
  }

  return {
    createLoginCode() {
      prune();
      const code = randomBytes(32).toString('base64url');
      const until = now() + LOGIN_LINK_TTL_MS;
      codes.set(code, until);
      return { code, expiresAt: new Date(until).toISOString() };
    },
    redeem(code, userAgent) {
      prune();
      const until = codes.get(code);
      codes.delete(code); // single use, whatever happens next
      if (until === undefined || until <= now()) return null;
      const id = randomBytes(9).toString('base64url');
      const secret = randomBytes(32).toString('base64url');
      const at = now();
      const session: Stored = {
        id,
        hash: sha256(secret).toString('hex'),
        createdAt: new Date(at).toISOString(),
        expiresAt: new Date(at + SESSION_TTL_MS).toISOString(),
        userAgent: userAgent?.slice(0, 200) ?? null,
      };
      sessions.push(session);
      save();
      return { cookie: `${id}.${secret}`, session };
    },
    check(cookie) {
      const dot = cookie.indexOf('.');
      if (dot <= 0) return null;
      const id = cookie.slice(0, dot);
      const s = sessions.find((x) => x.id === id);
      if (!s || Date.parse(s.expiresAt) <= now()) return null;
      const want = Buffer.from(s.hash, 'hex');
      if (!timingSafeEqual(sha256(cookie.slice(dot + 1)), want)) return null;
      lastSeen.set(id, now());
      return id;
    },
    list(currentId) {
      prune();
      return sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: new Date(lastSeen.get(s.id) ?? Date.parse(s.createdAt)).toISOString(),
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        current: s.id === currentId,
      }));
    },
    revoke(id) {
      const before = sessions.length;
      sessions = sessions.filter((s) => s.id !== id);
      if (sessions.length === before) return false;
      save();
      revoked([id]);
      return true;
    },
    revokeAll() {
      const ids = sessions.map((s) => s.id);
      sessions = [];
      codes.clear();
      save();
      revoked(ids);
      return ids.length;
    },
    onRevoke(listener) {
      revokeListeners.add(listener);
      return () => revokeListeners.delete(listener);
    },
  };
}

/** The value of one cookie in a Cookie header; null when absent. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
