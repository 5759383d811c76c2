import { runTool } from '@endpointd/core';
import { TAILSCALE_HINTS, type TailscaleReason } from './reasons.js';

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
    this.hint = TAILSCALE_HINTS[reason];
    this.subcommand = ctx.subcommand;
    this.exitCode = ctx.exitCode;
    this.durationMs = ctx.durationMs;
    this.stderrLength = ctx.stderrLength;
  }
}

// The CLI's own wording (tailscale 1.9x–1.10x), most specific first. stderr is classified, never
// copied: it can hold auth keys.
const STDERR_RULES: ReadonlyArray<readonly [RegExp, TailscaleReason]> = [
  [/access denied|permission denied|--operator/i, 'access-denied'],
  [/another client is changing the serve config/i, 'config-conflict'],
  [/is not allowed for funnel|port \d+ is not allowed/i, 'funnel-port-not-allowed'],
  [/funnel not available|"funnel" node attribute/i, 'funnel-not-available'],
  [/https (certificates )?(is |are )?not enabled|https must be enabled|certificates are not enabled/i, 'https-not-enabled'],
  [/already serving|port \d+ is already|listener already exists/i, 'port-in-use'],
  [
    /failed to connect to local tailscaled|doesn't appear to be running|is tailscaled running|connection refused.*tailscaled/i,
    'not-running',
  ],
  [/needsmachineauth|needs machine auth|machine is not yet approved/i, 'needs-machine-auth'],
  [/needslogin|logged out|not logged in|log in|tailscale up/i, 'logged-out'],
  [/stopped|tailscale is stopped/i, 'stopped'],
];

/** Maps the CLI's stderr to a reason; `unknown` when nothing matches. */
export function classifyStderr(stderr: string): TailscaleReason {
  for (const [pattern, reason] of STDERR_RULES) if (pattern.test(stderr)) return reason;
  return 'unknown';
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
  return env.ENDPOINTD_TAILSCALE_BIN || 'tailscale';
}

/**
 * The only place that spawns the tailscale CLI: an argument array (never a shell, so nothing a
 * user typed can become a command), a timeout, and failures turned into TailscaleCliError.
 */
export async function runTailscale(bin: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
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
  });
  const { durationMs } = result;
  const ctx = { subcommand, exitCode: result.exitCode, durationMs, stderrLength: result.stderr.length };
  if (result.missing) throw new TailscaleCliError('not-installed', ctx);
  if (result.timedOut) throw new TailscaleCliError('timeout', ctx);
  if (result.canceled) throw new TailscaleCliError('timeout', { ...ctx, cause: options.signal?.reason });
  if (result.exitCode !== 0) throw new TailscaleCliError(classifyStderr(result.stderr), ctx);
  return { stdout: result.stdout, exitCode: 0, durationMs };
}
