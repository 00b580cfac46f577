/**
 * Most of the agent's resident memory is its own binary's pages: the runtime's code and the
 * embedded JS that booting touched (cloning, the devcontainer, Claude's settings, the first
 * visit's TLS-free HTTP and WebSocket paths...) and may never touch again. They are clean file
 * pages, which the kernel drops anyway under memory pressure; asking it to drop them now
 * (MADV_PAGEOUT, Linux 5.4+) brings a resting agent down to what it really uses. A page needed
 * later is read back from the binary on first use: nothing else changes.
 */
import { libc } from "./libc.ts";

const MADV_PAGEOUT = 21;

/** Resident memory of this process (VmRSS), in bytes; 0 when unknown. */
export async function residentBytes(): Promise<number> {
  const status = await Bun.file("/proc/self/status")
    .text()
    .catch(() => "");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The address ranges mapped from `file`, from /proc/self/maps. */
export function mappingsOf(maps: string, file: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (const line of maps.split("\n")) {
    // address perms offset dev inode path
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s+(.*)$/.exec(line);
    if (m?.[3] === file)
      out.push({ start: Number.parseInt(m[1] ?? "", 16), end: Number.parseInt(m[2] ?? "", 16) });
  }
  return out;
}

/** Asks the kernel to reclaim the binary's resident pages; false when it would not (old kernel). */
export async function releaseBinaryPages(file = process.execPath): Promise<boolean> {
  const maps = await Bun.file("/proc/self/maps")
    .text()
    .catch(() => "");
  let ok = false;
  for (const { start, end } of mappingsOf(maps, file)) {
    if (libc().madvise(start, end - start, MADV_PAGEOUT) === 0) ok = true;
  }
  return ok;
}

/** Releases the binary's pages and says what it did to the resident memory. */
export async function releaseAndLog(log: (msg: string) => void): Promise<void> {
  const before = await residentBytes();
  if (!(await releaseBinaryPages())) return;
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  log(`memory: released the binary's idle pages (RSS ${mb(before)} -> ${mb(await residentBytes())} MB)`);
}

export interface ResidentTrimmer {
  /** Called on the agent's tick with whether any terminal has a client attached. */
  tick(busy: boolean): void;
}

/**
 * Releases the binary's pages once the agent is up, and again whenever the terminal page has been
 * left alone for `quietMs` after a visit (a visit touches code that idling never needs).
 */
export function createResidentTrimmer(opts: {
  now(): number;
  quietMs: number;
  release(): Promise<void>;
}): ResidentTrimmer {
  let lastBusyAt = Number.NEGATIVE_INFINITY;
  let released = false;
  return {
    tick(busy) {
      if (busy) {
        lastBusyAt = opts.now();
        released = false;
        return;
      }
      if (released || opts.now() - lastBusyAt < opts.quietMs) return;
      released = true;
      void opts.release();
    },
  };
}
