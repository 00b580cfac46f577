/**
 * Which TCP ports something listens on, from the kernel's socket tables (/proc/net/tcp and tcp6).
 * A devcontainer with host or shared networking has the same view, so a dev server started in the
 * container shows up here as well.
 */

/** The kernel's TCP state number for LISTEN (include/net/tcp_states.h). */
const LISTEN = "0A";

export const procNetTcpFiles = ["/proc/net/tcp", "/proc/net/tcp6"] as const;

/**
 * Ports in LISTEN state in one /proc/net/tcp{,6} table. Lines look like
 * `  0: 0100007F:1F90 00000000:0000 0A ...`: local address:port (hex), remote, state (hex).
 */
export function parseListeningPorts(table: string): Set<number> {
  const ports = new Set<number>();
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3]?.toUpperCase() !== LISTEN || !local) continue;
    const port = Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16);
    if (Number.isInteger(port) && port > 0 && port <= 65535) ports.add(port);
  }
  return ports;
}

/** Every TCP port something listens on (IPv4 or IPv6). A missing table (no IPv6) counts as empty. */
export async function listeningPorts(files: readonly string[] = procNetTcpFiles): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of files) {
    // Bun.file, not node:fs: the HTTP server loads no node: module (~4 MB of RSS).
    const table = await Bun.file(file)
      .text()
      .catch(() => "");
    for (const port of parseListeningPorts(table)) ports.add(port);
  }
  return ports;
}
