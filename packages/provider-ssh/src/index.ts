export { formatDestination, parseDestination, ReverseOptions, type SshDestination } from './destination.js';
export { createSshProvider, type SshProviderDeps, SshProviderOptions } from './provider.js';
export { createSsh, SSH, type Ssh, sshHint } from './ssh.js';
export { classifySshStderr } from './ssh-stderr.js';
export { parseSshdT, type SshdConfig } from './sshd-state.js';
