import * as z from 'zod';

/** Why a reverse forward could not be set up or kept. */
export const SshReason = z.enum([
  'not-installed',
  'host-unknown',
  'sshd-unreachable',
  'auth-failed',
  'host-key-mismatch',
  'remote-forward-failed',
  'remote-bound-to-loopback',
  'timed-out',
  'disconnected',
]);
export type SshReason = z.infer<typeof SshReason>;

export const SSH_HINTS: Readonly<Record<SshReason, string>> = Object.freeze({
  'not-installed': 'The ssh client was not found on PATH (or at ENDPOINTD_SSH_BIN): install OpenSSH.',
  'host-unknown': 'The host name does not resolve: check the spelling, or add a Host entry to ~/.ssh/config.',
  'sshd-unreachable': 'Nothing accepts SSH connections there: check that sshd runs on the server and that the port is open.',
  'auth-failed':
    'The server refused the key: add your public key to the server’s ~/.ssh/authorized_keys (endpointd never uses passwords or prompts).',
  'host-key-mismatch':
    'The server’s host key is unknown or changed: connect once with `ssh HOST` to check and accept it (if it changed, find out why first).',
  'remote-forward-failed':
    'The server refused to listen on the remote port: it is already in use, or sshd forbids it (AllowTcpForwarding / PermitListen); choose another with --remote-port.',
  'remote-bound-to-loopback':
    'The forward only listens on the server’s loopback, so nobody else can reach it: set GatewayPorts yes (or clientspecified) in the server’s sshd_config.',
  'timed-out': 'The SSH connection timed out: check the network path to the server.',
  disconnected: 'The SSH connection dropped: endpointd reconnects with backoff.',
});
