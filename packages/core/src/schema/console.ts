import * as z from 'zod';

/** POST /v1/console/links: a one-time login link for the web console (single use, a minute). */
export const LoginLink = z.object({ url: z.string(), expiresAt: z.string() });
export type LoginLink = z.infer<typeof LoginLink>;

/** A console session as the API lists it (never its secret). */
export const ConsoleSession = z.object({
  id: z.string(),
  createdAt: z.string(),
  /** Last request made with it (this run of the daemon), else when it was opened. */
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  /** The session the listing request came with. */
  current: z.boolean(),
});
export type ConsoleSession = z.infer<typeof ConsoleSession>;

/** DELETE /v1/sessions (all) and POST /v1/token/rotate. */
export const SessionsRevoked = z.object({ revoked: z.number().int() });
export type SessionsRevoked = z.infer<typeof SessionsRevoked>;
