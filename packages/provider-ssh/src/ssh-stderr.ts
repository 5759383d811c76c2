import type { Reason } from '@endpointd/core';

// OpenSSH's own wording, most specific first.
const RULES: ReadonlyArray<readonly [RegExp, Reason]> = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|No .* host key is known/i, 'host-key-mismatch'],
  [/Permission denied \(|Too many authentication failures/i, 'auth-failed'],
  [/remote port forwarding failed|Error: remote port forwarding/i, 'remote-forward-failed'],
  [/Could not resolve hostname|Name or service not known|nodename nor servname/i, 'host-unknown'],
  [/Connection refused/i, 'sshd-unreachable'],
  [/Connection timed out|Operation timed out|timed out during banner/i, 'timed-out'],
];

/** Maps ssh's stderr to a reason; an unexplained exit is a dropped connection. */
export function classifySshStderr(text: string): Reason {
  for (const [pattern, reason] of RULES) if (pattern.test(text)) return reason;
  return 'disconnected';
}
