import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { normalizeAddress } from './address.js';
import { listeningSockets } from './listening-sockets.js';
import { runTool } from './run-tool.js';

/** A process as far as this user may see it. */
export interface ProcessInfo {
  pid: number;
  /** Kernel start time (clock ticks since boot): (pid, startTime) names one process for its life. */
  startTime: string;
  /** The command name (comm). */
  command: string;
  commandLine: string[];
  /** null when the OS does not let this user read it (another user's process). */
  cwd: string | null;
  uid: number | null;
}

/** A port in LISTEN state, every address it is bound to, and its owner when this user may see it. */
export interface ListeningService {
  port: number;
  addresses: string[];
  /** null when the owner is not visible to this user: the OS shows the socket, not who holds it. */
  process: ProcessInfo | null;
}

/** Scans this network namespace's listening TCP sockets and their owners. */
export interface ListeningScanner {
  /** null where /proc is not available (see `scanWithLsof` for macOS). */
  scan(): Promise<ListeningService[] | null>;
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/** Groups sockets into services: one per port and owner, with every address it is bound to. */
function addSocket(byKey: Map<string, ListeningService>, port: number, address: string, owner: ProcessInfo | null): void {
  const key = `${port} ${owner?.pid ?? '-'}`;
  const existing = byKey.get(key);
  if (!existing) byKey.set(key, { port, addresses: [address], process: owner });
  else if (!existing.addresses.includes(address)) existing.addresses.push(address);
}

async function readProcess(procRoot: string, pid: number): Promise<ProcessInfo | null> {
  try {
    const [stat, cmdline, status] = await Promise.all([
      readFile(`${procRoot}/${pid}/stat`, 'utf8'),
      readFile(`${procRoot}/${pid}/cmdline`, 'utf8').catch(() => ''),
      readFile(`${procRoot}/${pid}/status`, 'utf8').catch(() => ''),
    ]);
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // comm is the main thread's name, and Node ≥ 24 names it "MainThread": the executable says
    // what runs (argv[0] where /proc/PID/exe may not be read).
    const command =
      comm === 'MainThread'
        ? basename((await readlink(`${procRoot}/${pid}/exe`).catch(() => null)) ?? cmdline.split('\0')[0] ?? comm).replace(
            / \(deleted\)$/,
            '',
          ) || comm
        : comm;
    const startTime = stat.slice(close + 2).split(' ')[19] ?? '';
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const cwd = await readlink(`${procRoot}/${pid}/cwd`).catch(() => null);
    return {
      pid,
      startTime,
      command,
      commandLine: cmdline.split('\0').filter((a) => a.length > 0),
      cwd,
      uid: uid === undefined ? null : Number(uid),
    };
  } catch {
    return null; // gone meanwhile
  }
}

/**
 * A scanner for Linux: /proc/net/tcp{,6} for the sockets (one read), then socket inodes → pids
 * through /proc/PID/fd links, only for inodes not seen before; what a process is (its command
 * line, folder) is read once per process life. Cheap enough to run every second.
 */
export function createListeningScanner(options: { procRoot?: string } = {}): ListeningScanner {
  const procRoot = options.procRoot ?? '/proc';
  const owners = new Map<number, number | null>(); // inode → pid (null: not visible to this user)
  const processes = new Map<number, ProcessInfo>();

  async function findOwners(inodes: Set<number>): Promise<void> {
    let pids: number[];
    try {
      pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d)).map(Number);
    } catch {
      return;
    }
    const left = new Set(inodes);
    await Promise.all(
      pids.map(async (pid) => {
        if (left.size === 0) return;
        let fds: string[];
        try {
          fds = await readdir(`${procRoot}/${pid}/fd`);
        } catch {
          return; // another user's process: its sockets stay unattributed
        }
        for (const fd of fds) {
          if (left.size === 0) return;
          const link = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
          const inode = Number(SOCKET_LINK.exec(link)?.[1] ?? Number.NaN);
          if (left.has(inode)) {
            owners.set(inode, pid);
            left.delete(inode);
          }
        }
      }),
    );
    for (const inode of left) owners.set(inode, null);
  }

  return {
    async scan() {
      // The same read the registry uses (shared while in flight), never older than this call.
      const sockets = await listeningSockets(0);
      if (sockets === null) return null;
      const live = new Set(sockets.map((s) => s.inode ?? 0));
      for (const inode of owners.keys()) if (!live.has(inode)) owners.delete(inode);
      const unknown = new Set([...live].filter((i) => i !== 0 && !owners.has(i)));
      if (unknown.size > 0) await findOwners(unknown);

      const byKey = new Map<string, ListeningService>();
      const seenPids = new Set<number>();
      for (const s of sockets) {
        const pid = owners.get(s.inode ?? 0) ?? null;
        let info: ProcessInfo | null = null;
        if (pid !== null) {
          info = processes.get(pid) ?? null;
          if (!info) {
            info = await readProcess(procRoot, pid);
            if (info) processes.set(pid, info);
          }
          seenPids.add(pid);
        }
        addSocket(byKey, s.port, normalizeAddress(s.address), info);
      }
      for (const pid of processes.keys()) if (!seenPids.has(pid)) processes.delete(pid);
      return [...byKey.values()].sort((a, b) => a.port - b.port || (a.process?.pid ?? 0) - (b.process?.pid ?? 0));
    },
  };
}

/**
 * Parses `lsof -nP -iTCP -sTCP:LISTEN -FpcnT` (macOS and other systems without /proc): p = pid,
 * c = command, n = "addr:port" per socket. lsof shows only this user's processes unless root.
 */
export function parseLsofListen(text: string): ListeningService[] {
  const byKey = new Map<string, ListeningService>();
  let pid = 0;
  let command = '';
  for (const line of text.split('\n')) {
    const tag = line[0];
    const value = line.slice(1);
    if (tag === 'p') pid = Number(value);
    else if (tag === 'c') command = value;
    else if (tag === 'n') {
      const m = /^(.*):(\d+)$/.exec(value);
      if (!m) continue;
      const raw = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
      const address = raw === '*' ? '0.0.0.0' : normalizeAddress(raw);
      addSocket(byKey, Number(m[2]), address, { pid, startTime: '', command, commandLine: [command], cwd: null, uid: null });
    }
  }
  return [...byKey.values()].sort((a, b) => a.port - b.port);
}

/**
 * The fallback where /proc is missing (macOS, BSDs): `lsof`, which shows this user's processes
 * (all of them as root). It spawns a process, so the daemon calls it no more than once a second.
 */
export function createLsofScanner(bin = 'lsof'): ListeningScanner {
  return {
    async scan() {
      const r = await runTool(bin, ['-nP', '-iTCP', '-sTCP:LISTEN', '-Fpcn'], { timeoutMs: 5_000 });
      return r.missing ? null : parseLsofListen(r.stdout);
    },
  };
}

/**
 * A cheap sign that sockets changed in this network namespace: the TCP lines of
 * /proc/net/sockstat{,6} (sockets in use, allocated, in TIME_WAIT). Reading /proc/net/tcp makes
 * the kernel walk its whole connection hash, ~2 ms per file even when empty; sockstat costs
 * ~0.05 ms. A listener starting or stopping changes "inuse"; null where there is no /proc.
 */
export async function readSocketStats(procRoot = '/proc'): Promise<string | null> {
  const texts = await Promise.all(['net/sockstat', 'net/sockstat6'].map((f) => readFile(`${procRoot}/${f}`, 'utf8').catch(() => '')));
  if (texts.every((t) => t === '')) return null;
  // "inuse" only: "mem" and "alloc" move with buffers and connections, not with listeners.
  return texts.map((t) => /^TCP6?: inuse (\d+)/m.exec(t)?.[1] ?? '').join('|');
}
