/**
 * Which TCP ports a workspace serves: the kernel's listening sockets (the listening-ports module's
 * tables), those Caddy can reach (bound to every address, or to the agent's own address), minus
 * Berth's own (the agent, Caddy), with the listening process's name and when it was first seen.
 */
import { type ListeningPort, maxReportedPorts } from "@berth/protocol/agent";
import { procNetTcpFiles } from "../http/listening-ports.ts";
import { readdir, readFile, readlink } from "../sys/files.ts";

/** The kernel's TCP state number for LISTEN (include/net/tcp_states.h). */
const LISTEN = "0A";

export interface ListeningSocket {
  port: number;
  /** Dotted IPv4 or the 32-hex-digit IPv6 address, as the kernel stores it. */
  address: string;
  inode: string;
}

/** `0100007F` (little-endian, as /proc prints it) -> `127.0.0.1`; IPv6 stays hex. */
function decodeAddress(hex: string): string {
  if (hex.length !== 8) return hex.toLowerCase();
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((b) => Number.parseInt(b, 16))
    .join(".");
}

/** LISTEN sockets of one /proc/net/tcp{,6} table, with local address and inode. */
export function parseListeningSockets(table: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3]?.toUpperCase() !== LISTEN || !local) continue;
    const colon = local.lastIndexOf(":");
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    out.push({ port, address: decodeAddress(local.slice(0, colon)), inode: fields[9] ?? "0" });
  }
  return out;
}

const wildcards = new Set(["0.0.0.0", "0".repeat(32)]);

/** Whether Caddy (which dials `agentHost`:port) reaches a socket bound to `address`. */
export function reachable(address: string, agentHost: string): boolean {
  return wildcards.has(address) || address === agentHost;
}

/** inode -> process name, from /proc/<pid>/fd links (`socket:[inode]`) and /proc/<pid>/comm. */
export async function processNamesByInode(
  inodes: Set<string>,
  procDir = "/proc",
): Promise<Map<string, { pid: number; name: string }>> {
  const found = new Map<string, { pid: number; name: string }>();
  if (inodes.size === 0) return found;
  const pids = (await readdir(procDir).catch(() => [])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await readdir(`${procDir}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`${procDir}/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (!inode || !inodes.has(inode) || found.has(inode)) continue;
      const name = (await readFile(`${procDir}/${pid}/comm`).catch(() => "")).trim();
      found.set(inode, { pid: Number(pid), name: name.slice(0, 64) });
    }
    if (found.size === inodes.size) break;
  }
  return found;
}

export interface PortDetectorOptions {
  /** The address Caddy dials forwarded ports on (the agent's listen host). */
  agentHost: string;
  /** Ports that are Berth's own (the agent's HTTP server). */
  ownPorts: number[];
  /** Processes whose ports are Berth's own. */
  ownProcesses?: string[];
  ownPid?: number;
  files?: readonly string[];
  procDir?: string;
  now?: () => number;
}

export interface PortDetector {
  /** Reads the kernel's tables now; the ports listening, by number. */
  scan(): Promise<ListeningPort[]>;
  /** The last scan's result. */
  current(): ListeningPort[];
  /** Whether something Caddy can reach listens on `port` right now (no process lookup). */
  isListening(port: number): Promise<boolean>;
}

export function createPortDetector(opts: PortDetectorOptions): PortDetector {
  const now = opts.now ?? Date.now;
  const ownProcesses = new Set(opts.ownProcesses ?? ["caddy", "berth-agent"]);
  const own = new Set(opts.ownPorts);
  // Per listening socket (inode): who owns it and when it appeared. Resolved once per socket.
  const known = new Map<string, { firstSeen: number; process: string | null; ours: boolean }>();
  let last: ListeningPort[] = [];
  const read = async () => {
    const sockets: ListeningSocket[] = [];
    for (const file of opts.files ?? procNetTcpFiles) {
      sockets.push(...parseListeningSockets(await readFile(file).catch(() => "")));
    }
    return sockets;
  };

  return {
    current: () => last,
    async isListening(port) {
      return (await read()).some((s) => s.port === port && reachable(s.address, opts.agentHost));
    },
    async scan() {
      const sockets = await read();
      const candidates = sockets.filter((s) => !own.has(s.port) && reachable(s.address, opts.agentHost));
      const fresh = new Set(candidates.map((s) => s.inode).filter((i) => !known.has(i)));
      const names = await processNamesByInode(fresh, opts.procDir);
      const t = now();
      for (const inode of fresh) {
        const owner = names.get(inode);
        const ours = owner ? owner.pid === opts.ownPid || ownProcesses.has(owner.name) : false;
        known.set(inode, { firstSeen: t, process: owner?.name || null, ours });
      }
      const live = new Set(candidates.map((s) => s.inode));
      for (const inode of known.keys()) if (!live.has(inode)) known.delete(inode);

      const byPort = new Map<number, ListeningPort>();
      for (const s of candidates) {
        const k = known.get(s.inode);
        if (!k || k.ours) continue;
        const seen = byPort.get(s.port);
        const firstSeen = Math.min(k.firstSeen, seen ? Date.parse(seen.first_seen_at) : k.firstSeen);
        byPort.set(s.port, {
          port: s.port,
          process: seen?.process ?? k.process,
          first_seen_at: new Date(firstSeen).toISOString(),
        });
      }
      last = [...byPort.values()].sort((a, b) => a.port - b.port).slice(0, maxReportedPorts);
      return last;
    },
  };
}

/** Same ports, same processes: nothing new to report. */
export function samePorts(a: ListeningPort[], b: ListeningPort[]): boolean {
  return a.length === b.length && a.every((p, i) => p.port === b[i]?.port && p.process === b[i]?.process);
}
