import {
  type ChildExit,
  createVersionRead,
  type Reason,
  type SupervisedFailure,
  type ToolFacts,
  toolBinary,
  toolHint,
} from '@endpointd/core';
import { writeCloudflaredConfig } from './config-file.js';
import { classifyLogLines } from './log-lines.js';
import { freePort, isReady, readQuickTunnelHostname, readReadiness, readVersionedConfig } from './metrics.js';

/** The adapter for `cloudflared`: the only module that builds its argv and config, runs it and reads its output. */
export const CLOUDFLARED: ToolFacts = Object.freeze({
  tool: 'cloudflared',
  binEnv: 'ENDPOINTD_CLOUDFLARED_BIN',
  defaultBin: 'cloudflared',
  installFrom: 'developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads',
  check: '`endpoints doctor`',
});

/** Reasons retrying cannot fix: the exposure stays failed until the user enables it again. */
const PERMANENT: ReadonlySet<Reason> = new Set(['not-installed', 'tunnel-bad-token', 'tunnel-bad-credentials', 'no-ingress-for-backend']);

/** A reason's hint in cloudflared's words. */
export function cloudflaredHint(reason: Reason, detail = '', vars: Readonly<Record<string, string | number>> = {}): string {
  return toolHint(CLOUDFLARED, reason, { detail, host: 'its hostname', ...vars });
}

/** Which tunnel to run. The origin is the backend as cloudflared reaches it (http or https). */
export type TunnelSpec =
  | { kind: 'quick'; origin: string }
  | { kind: 'token'; tokenFile: string }
  | { kind: 'credentials'; tunnelId: string; credentialsFile: string; hostname: string; origin: string };

export interface CloudflaredOptions {
  /** @default ENDPOINTD_CLOUDFLARED_BIN in env, else "cloudflared" on PATH */
  bin?: string;
  /** The environment cloudflared runs with and is looked up in. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface Cloudflared {
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
  /** `cloudflared --version`, asked once (a missing binary is asked again next time). */
  readVersion(): Promise<string | null>;
  /**
   * The argv of one `cloudflared tunnel` run, after writing its private config file: a typed
   * object serialized with `yaml`, so a user's ~/.cloudflared/config.yml (whose ingress would win
   * over --url) is never loaded, and nothing an option holds can add keys. The token never
   * appears in argv (--token-file).
   */
  tunnelArgs(spec: TunnelSpec, files: { configFile: string; metricsPort: number }): string[];
  /** Why an exited cloudflared stopped, from its last log lines. */
  classifyExit(exit: ChildExit, lines: readonly string[]): SupervisedFailure;
  /** Its metrics server (on loopback): readiness, the quick tunnel's name, the dashboard's config. */
  readonly metrics: {
    freePort: typeof freePort;
    isReady: typeof isReady;
    readReadiness: typeof readReadiness;
    readQuickTunnelHostname: typeof readQuickTunnelHostname;
    readVersionedConfig: typeof readVersionedConfig;
  };
}

export function createCloudflared(options: CloudflaredOptions = {}): Cloudflared {
  const env = options.env ?? process.env;
  const bin = options.bin ?? toolBinary(CLOUDFLARED, env);
  // The binary does not change under a running daemon: its version is read once.
  const readVersion = createVersionRead(bin, ['--version'], /version (\S+)/, { env });
  return Object.freeze({
    bin,
    env,
    readVersion,
    tunnelArgs(spec: TunnelSpec, files: { configFile: string; metricsPort: number }) {
      const common = ['tunnel', '--no-autoupdate', '--config', files.configFile, '--metrics', `127.0.0.1:${files.metricsPort}`];
      switch (spec.kind) {
        case 'quick':
          writeCloudflaredConfig(files.configFile, { 'no-autoupdate': true });
          return [...common, '--url', spec.origin];
        case 'token':
          writeCloudflaredConfig(files.configFile, { 'no-autoupdate': true });
          return [...common, 'run', '--token-file', spec.tokenFile];
        case 'credentials':
          writeCloudflaredConfig(files.configFile, {
            tunnel: spec.tunnelId,
            'credentials-file': spec.credentialsFile,
            'no-autoupdate': true,
            ingress: [{ hostname: spec.hostname, service: spec.origin }, { service: 'http_status:404' }],
          });
          return [...common, 'run', spec.tunnelId];
      }
    },
    classifyExit(exit: ChildExit, lines: readonly string[]): SupervisedFailure {
      if (exit.missing) return { reason: 'not-installed', error: `${bin} was not found`, permanent: true };
      const reason = classifyLogLines(lines);
      return {
        reason,
        error: `cloudflared exit ${exit.code ?? exit.signal}: ${lines.at(-1) ?? ''}`.slice(0, 300),
        permanent: PERMANENT.has(reason),
      };
    },
    metrics: Object.freeze({ freePort, isReady, readReadiness, readQuickTunnelHostname, readVersionedConfig }),
  });
}
