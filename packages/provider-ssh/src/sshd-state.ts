/** What `sshd -T` says, where it is readable (usually root only). */
export interface SshdConfig {
  ports: number[];
  listenAddresses: string[];
  allowTcpForwarding: string;
  permitOpen: string;
}

/** Parses `sshd -T` ("key value" lines, keys lower-case). */
export function parseSshdT(stdout: string): SshdConfig {
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) values.set(m[1].toLowerCase(), [...(values.get(m[1].toLowerCase()) ?? []), m[2]]);
  }
  return {
    ports: (values.get('port') ?? ['22']).map(Number).filter((p) => Number.isInteger(p) && p > 0),
    listenAddresses: values.get('listenaddress') ?? [],
    allowTcpForwarding: values.get('allowtcpforwarding')?.[0] ?? 'yes',
    permitOpen: values.get('permitopen')?.[0] ?? 'any',
  };
}
