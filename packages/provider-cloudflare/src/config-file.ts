import { closeSync, constants, fchmodSync, openSync, rmSync, writeSync } from 'node:fs';
import { stringify } from 'yaml';

/** The cloudflared config endpointd writes: typed, so only these keys can ever appear. */
export interface CloudflaredConfig {
  'no-autoupdate': true;
  tunnel?: string;
  'credentials-file'?: string;
  ingress?: Array<{ hostname?: string; service: string }>;
}

/**
 * Serializes the config with the `yaml` package (never by concatenation: a value holding a
 * newline stays one string) into a private file (0600), never written through a link.
 */
export function writeCloudflaredConfig(file: string, config: CloudflaredConfig): void {
  const text = stringify(config);
  rmSync(file, { force: true });
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
