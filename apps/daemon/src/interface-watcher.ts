import os from 'node:os';

/** os.networkInterfaces() costs ~0.05 ms and spawns nothing: cheap enough to poll. */
export const INTERFACE_POLL_MS = 1_500;

/** A comparable summary of every interface address. */
export function interfaceSignature(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string {
  const pairs: string[] = [];
  for (const [name, infos] of Object.entries(interfaces)) for (const info of infos ?? []) pairs.push(`${name} ${info.address}`);
  return pairs.sort().join('\n');
}

/** Calls onChange when an interface or address appears or goes away. Returns the stop function. */
export function watchInterfaces(onChange: () => void, intervalMs = INTERFACE_POLL_MS, read = interfaceSignature): () => void {
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    if (now !== last) {
      last = now;
      onChange();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
