export { formatDestination, parseDestination, ReverseOptions, type SshDestination } from './destination.js';
export { createSshProvider, type SshProviderDeps, SshProviderOptions } from './provider.js';
export { SSH_HINTS, SshReason } from './reasons.js';
export { classifySshStderr } from './ssh-stderr.js';
export { parseSshdT, readSshdConfig, type SshdConfig, sshdBinary } from './sshd-state.js';
