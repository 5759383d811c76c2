import { formatHint } from './reasons.js';
import { runTool } from './run-tool.js';
import type { Reason } from './schema/reason.js';

/**
 * What a provider's adapter says about the external tool it wraps: how it is found, and the
 * words its hints use (the `{tool}`, `{binEnv}`, `{installFrom}`, `{check}` of shared reasons such
 * as `not-installed` and `tool-timed-out`).
 */
export interface ToolFacts {
  /** As users know it: "the tailscale CLI", "cloudflared". */
  tool: string;
  /** The variable that points at another binary, e.g. ENDPOINTD_TAILSCALE_BIN. */
  binEnv: string;
  /** Looked up on PATH when binEnv is not set. */
  defaultBin: string;
  installFrom: string;
  /** How a user checks the tool's health. */
  check: string;
}

/** The binary to run: the tool's variable in `env`, else its name on PATH. */
export function toolBinary(facts: ToolFacts, env: NodeJS.ProcessEnv = process.env): string {
  return env[facts.binEnv] || facts.defaultBin;
}

/** A reason's hint, with the tool's own words filled in. */
export function toolHint(facts: ToolFacts, reason: Reason, vars: Readonly<Record<string, string | number>> = {}): string {
  return formatHint(reason, { tool: facts.tool, binEnv: facts.binEnv, installFrom: facts.installFrom, check: facts.check, ...vars });
}

export interface SharedReadOptions {
  /** A good answer is reused this long (ms). */
  ttlMs: number;
  /** A failure that means "not there" (tool missing, daemon down) is reused this long instead, and a refresh waits ttlMs. @default ttlMs */
  absentTtlMs?: number;
  isAbsent?: (err: unknown) => boolean;
  now?: () => number;
}

/** One cached, shared tool read (see createSharedRead). */
export interface SharedRead<T> {
  /**
   * The cached answer while it is young enough; else one call of `load`, shared by everyone who
   * asks meanwhile. `fresh` skips the cache and calls still running (a missing tool excepted).
   */
  read(fresh?: boolean): Promise<T>;
  clear(): void;
}

/**
 * The one cache for reads of an external tool (`tailscale status`, `sshd -T`, `cloudflared
 * --version`): answers are reused for a TTL, a missing tool is asked again only after a longer
 * one, and callers who ask while a call runs share it instead of spawning the tool again.
 */
export function createSharedRead<T>(load: () => Promise<T>, options: SharedReadOptions): SharedRead<T> {
  const now = options.now ?? Date.now;
  let cached: { at: number; ok: boolean; value?: T; error?: unknown; absent: boolean } | null = null;
  let flight: Promise<T> | null = null;

  function start(): Promise<T> {
    const p = load().then(
      (value) => {
        if (flight === p) cached = { at: now(), ok: true, value, absent: false };
        return value;
      },
      (error: unknown) => {
        if (flight === p) cached = { at: now(), ok: false, error, absent: options.isAbsent?.(error) === true };
        throw error;
      },
    );
    flight = p;
    const done = () => {
      if (flight === p) flight = null;
    };
    p.then(done, done);
    return p;
  }

  return {
    read(fresh = false) {
      if (cached) {
        // A refresh asks again, except that a missing tool is not asked more than once per TTL.
        const ttl = cached.absent ? (fresh ? options.ttlMs : (options.absentTtlMs ?? options.ttlMs)) : fresh ? 0 : options.ttlMs;
        if (now() - cached.at < ttl) return cached.ok ? Promise.resolve(cached.value as T) : Promise.reject(cached.error);
      }
      // A refresh must see what is true after the caller's last change, so it does not join a call begun earlier.
      if (flight && !fresh) return flight;
      return start();
    },
    clear() {
      cached = null;
      flight = null;
    },
  };
}

/**
 * A tool's version, asked once (`cloudflared --version`, `ssh -V`): it does not change under a
 * running daemon. Null while the tool is missing or says no version, which is asked again next
 * time. `pattern`'s first group, else its whole match, is the version; both output streams are read.
 */
export function createVersionRead(
  bin: string,
  args: readonly string[],
  pattern: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): () => Promise<string | null> {
  const version = createSharedRead(
    async () => {
      const r = await runTool(bin, args, { timeoutMs: options.timeoutMs ?? 5_000, ...(options.env ? { env: options.env } : {}) });
      const m = pattern.exec(`${r.stdout}\n${r.stderr}`);
      const v = m?.[1] ?? m?.[0];
      if (!v) throw new Error(`${bin} ${args.join(' ')} printed no version`);
      return v;
    },
    { ttlMs: Number.POSITIVE_INFINITY, absentTtlMs: 0, isAbsent: () => true },
  );
  return () => version.read().catch(() => null);
}
