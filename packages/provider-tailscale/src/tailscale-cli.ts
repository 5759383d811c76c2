import { createSharedRead, type Reason, runTool, type ToolFacts, toolBinary, toolHint } from '@endpointd/core';
import { parseServeConfig, type ServeConfig } from './serve-config.js';
import { parseStatus, parseVersion, type TailscaleStatus } from './status.js';

/** The adapter for the `tailscale` CLI: the only module that builds its argv, runs it and reads its errors. */
export const TAILSCALE: ToolFacts = Object.freeze({
  tool: 'The tailscale CLI',
  binEnv: 'ENDPOINTD_TAILSCALE_BIN',
  defaultBin: 'tailscale',
  installFrom: 'tailscale.com/download',
  check: '`tailscale status`',
});

/** The Tailscale reasons a CLI call can end in. */
export type TailscaleReason = Extract<
  Reason,
  | 'not-installed'
  | 'tailscaled-not-running'
  | 'logged-out'
  | 'needs-machine-auth'
  | 'tailscale-stopped'
  | 'tailscale-starting'
  | 'magicdns-not-enabled'
  | 'https-not-enabled'
  | 'serve-not-enabled'
  | 'funnel-not-available'
  | 'funnel-port-not-allowed'
  | 'serve-access-denied'
  | 'serve-port-in-use'
  | 'serve-config-conflict'
  | 'tool-timed-out'
  | 'bad-output'
  | 'tool-failed'
>;

/** A Tailscale reason's hint, in the CLI's words. */
export function tailscaleHint(reason: TailscaleReason, vars: Readonly<Record<string, string | number>> = {}): string {
  return toolHint(TAILSCALE, reason, { timeoutMs: READ_TIMEOUT_MS, detail: reason, ...vars });
}

/** Reads (status, serve status, version) answer fast or something is wrong. */
export const READ_TIMEOUT_MS = 5_000;
/** `serve --bg` may wait on the coordination server and on certificate issuance. */
export const SERVE_TIMEOUT_MS = 20_000;

/** A failed tailscale CLI call: a reason and hint, and only safe context (never stderr itself). */
export class TailscaleCliError extends Error {
  override readonly name = 'TailscaleCliError';
  readonly reason: TailscaleReason;
  readonly hint: string;
  readonly subcommand: string;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly stderrLength: number;
  constructor(
    reason: TailscaleReason,
    ctx: { subcommand: string; exitCode: number | null; durationMs: number; stderrLength: number; cause?: unknown },
  ) {
    super(`tailscale ${ctx.subcommand} failed: ${reason} (exit ${ctx.exitCode ?? 'none'}, ${Math.round(ctx.durationMs)} ms)`, {
      cause: ctx.cause,
    });
    this.reason = reason;
    this.hint = tailscaleHint(reason, { detail: `tailscale ${ctx.subcommand}` });
    this.subcommand = ctx.subcommand;
    this.exitCode = ctx.exitCode;
    this.durationMs = ctx.durationMs;
    this.stderrLength = ctx.stderrLength;
  }
}

// The CLI's own wording (tailscale 1.9x–1.10x), most specific first. stderr is classified, never
// copied: it can hold auth keys.
const STDERR_RULES: ReadonlyArray<readonly [RegExp, TailscaleReason]> = [
  [/access denied|permission denied|--operator/i, 'serve-access-denied'],
  [/another client is changing the serve config/i, 'serve-config-conflict'],
  [/is not allowed for funnel|port \d+ is not allowed/i, 'funnel-port-not-allowed'],
  [/funnel not available|"funnel" node attribute/i, 'funnel-not-available'],
  [/https (certificates )?(is |are )?not enabled|https must be enabled|certificates are not enabled/i, 'https-not-enabled'],
  [/already serving|port \d+ is already|listener already exists/i, 'serve-port-in-use'],
  [
    /failed to connect to local tailscaled|doesn't appear to be running|is tailscaled running|connection refused.*tailscaled/i,
    'tailscaled-not-running',
  ],
  [/needsmachineauth|needs machine auth|machine is not yet approved/i, 'needs-machine-auth'],
  [/needslogin|logged out|not logged in|log in|tailscale up/i, 'logged-out'],
  [/stopped|tailscale is stopped/i, 'tailscale-stopped'],
];

/** Maps the CLI's stderr to a reason; `tool-failed` when nothing matches. */
export function classifyStderr(stderr: string): TailscaleReason {
  for (const [pattern, reason] of STDERR_RULES) if (pattern.test(stderr)) return reason;
  return 'tool-failed';
}

export interface CliResult {
  stdout: string;
  exitCode: number;
  durationMs: number;
}

export interface CliOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each stdout chunk as it arrives (for approval links printed by a waiting serve). */
  onStdout?: (chunk: string) => void;
}

/** Which binary: ENDPOINTD_TAILSCALE_BIN, else `tailscale` on PATH. */
export function tailscaleBinary(env: NodeJS.ProcessEnv = process.env): string {
  return toolBinary(TAILSCALE, env);
}

/**
 * The only place that spawns the tailscale CLI: an argument array (never a shell, so nothing a
 * user typed can become a command), a timeout, and failures turned into TailscaleCliError.
 */
export async function runTailscale(
  bin: string,
  args: readonly string[],
  options: CliOptions = {},
  env?: NodeJS.ProcessEnv,
): Promise<CliResult> {
  const subcommand =
    args
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2)
      .join(' ') ||
    args[0] ||
    '';
  const result = await runTool(bin, args, {
    timeoutMs: options.timeoutMs ?? READ_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStdout ? { onStdout: options.onStdout } : {}),
    ...(env ? { env } : {}),
  });
  const { durationMs } = result;
  const ctx = { subcommand, exitCode: result.exitCode, durationMs, stderrLength: result.stderr.length };
  if (result.missing) throw new TailscaleCliError('not-installed', ctx);
  if (result.timedOut) throw new TailscaleCliError('tool-timed-out', ctx);
  if (result.canceled) throw new TailscaleCliError('tool-timed-out', { ...ctx, cause: options.signal?.reason });
  if (result.exitCode !== 0) throw new TailscaleCliError(classifyStderr(result.stderr), ctx);
  return { stdout: result.stdout, exitCode: 0, durationMs };
}

/** The reason of any error a CLI call threw. */
export function reasonOf(err: unknown): TailscaleReason {
  return err instanceof TailscaleCliError ? err.reason : 'tool-failed';
}

export interface TailscaleCliOptions {
  /** @default ENDPOINTD_TAILSCALE_BIN in env, else "tailscale" on PATH */
  bin?: string;
  /** The environment the CLI runs with and its binary is looked up in. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Status and serve config answers are reused this long (ms). */
  cacheTtlMs: number;
  /** While Tailscale is missing or its daemon down, it is asked again only this often (ms). */
  absentRecheckMs: number;
  now?: () => number;
  /** Replaces the spawn (tests of the provider's decisions). */
  run?: typeof runTailscale;
}

/** Serve or Funnel one port to a target, in the background (`tailscale serve|funnel --bg`). */
export interface ServeRequest {
  funnel: boolean;
  httpsPort: number;
  target: string;
  timeoutMs: number;
  signal: AbortSignal;
  onStdout: (chunk: string) => void;
}

/** The named operations endpointd uses on the tailscale CLI. */
export interface TailscaleCli {
  readonly bin: string;
  /** `tailscale status --json --peers=false`, cached and shared with concurrent callers. */
  readStatus(fresh?: boolean): Promise<TailscaleStatus>;
  /** `tailscale serve status --json`, cached and shared. */
  readServe(fresh?: boolean): Promise<ServeConfig>;
  /** `tailscale version`, asked once every ten minutes at most. */
  readVersion(): Promise<string | null>;
  ensureServe(request: ServeRequest): Promise<void>;
  /** Runs the removal `serve-plan.removalArgs` decided on (`serve --https=N --set-path=/ off`). */
  disableServe(args: readonly string[]): Promise<void>;
}

const VERSION_TTL_MS = 10 * 60_000;

export function createTailscaleCli(options: TailscaleCliOptions): TailscaleCli {
  const env = options.env ?? process.env;
  const bin = options.bin ?? tailscaleBinary(env);
  const run = options.run ?? runTailscale;
  const isAbsent = (err: unknown) => ['not-installed', 'tailscaled-not-running'].includes(reasonOf(err));
  const common = { absentTtlMs: options.absentRecheckMs, isAbsent, ...(options.now ? { now: options.now } : {}) };

  function read<T>(args: string[], parse: (stdout: string) => T): () => Promise<T> {
    return async () => {
      try {
        const { stdout } = await run(bin, args, {}, env);
        try {
          return parse(stdout);
        } catch (cause) {
          throw new TailscaleCliError('bad-output', { subcommand: args.join(' '), exitCode: 0, durationMs: 0, stderrLength: 0, cause });
        }
      } catch (err) {
        if (err instanceof TailscaleCliError) throw err;
        throw new TailscaleCliError('tool-failed', {
          subcommand: args[0] ?? '',
          exitCode: null,
          durationMs: 0,
          stderrLength: 0,
          cause: err,
        });
      }
    };
  }

  const status = createSharedRead(read(['status', '--json', '--peers=false'], parseStatus), { ttlMs: options.cacheTtlMs, ...common });
  const serve = createSharedRead(read(['serve', 'status', '--json'], parseServeConfig), { ttlMs: options.cacheTtlMs, ...common });
  // The version changes only with an upgrade.
  const version = createSharedRead(read(['version'], parseVersion), { ttlMs: VERSION_TTL_MS, ...common });

  return Object.freeze({
    bin,
    readStatus: (fresh = false) => status.read(fresh),
    readServe: (fresh = false) => serve.read(fresh),
    readVersion: () => version.read(),
    async ensureServe(r: ServeRequest) {
      await run(bin, [r.funnel ? 'funnel' : 'serve', '--bg', '--yes', `--https=${r.httpsPort}`, r.target], r, env);
    },
    async disableServe(args: readonly string[]) {
      await run(bin, args, {}, env);
    },
  });
}
