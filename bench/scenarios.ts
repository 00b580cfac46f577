/**
 * The measured scenarios. Shell scenarios run the same keystrokes against berth and the PTY
 * reference, so their figures compare like with like.
 */
import { readFileSync } from "node:fs";
import { BenchClient } from "./client.ts";
import { prompt, type Shell, type Target } from "./setup.ts";

const MB = 1024 * 1024;
export const endMarker = "BENCH-END-MARKER";
const floodLine = "the quick brown fox jumps over the lazy dog 0123456789";

/** MB/s of `cat <file>` typed into the shell (cooked mode: the tty adds a CR per line). */
export async function shellThroughput(t: Target, file: string, size: number): Promise<number> {
  const s = await t.openShell();
  try {
    const { c } = s;
    const start = c.received + c.skipped;
    c.clearTail();
    const t0 = performance.now();
    c.send(`cat ${file}\r`);
    await c.until(() => c.tailIncludes(endMarker) && c.received + c.skipped - start >= size, 600_000);
    return size / MB / ((performance.now() - t0) / 1000);
  } finally {
    await s.close();
  }
}

/** MB/s of websocketd piping `cat <file>` straight into the socket. */
export async function pipeThroughput(
  url: string,
  headers: Record<string, string>,
  size: number,
): Promise<number> {
  const w = new BenchClient(url, headers, false);
  const t0 = performance.now();
  await w.opened;
  await w.until(() => w.tailIncludes(endMarker) && w.received >= size, 600_000);
  w.close();
  return size / MB / ((performance.now() - t0) / 1000);
}

/** Keystroke echo latencies (ms): one byte in, the same byte back from `cat` on a raw terminal. */
export async function shellEcho(t: Target, keys: number): Promise<number[]> {
  const s = await t.openShell();
  try {
    await s.c.run('stty raw -echo; echo RE""ADY; cat', "READY");
    return await echoLatencies(s.c, keys);
  } finally {
    await s.close();
  }
}

export async function pipeEcho(
  url: string,
  headers: Record<string, string>,
  keys: number,
): Promise<number[]> {
  const w = new BenchClient(url, headers, false);
  await w.opened;
  try {
    return await echoLatencies(w, keys);
  } finally {
    w.close();
  }
}

async function echoLatencies(c: BenchClient, keystrokes: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < keystrokes; k++) {
    const ch = String.fromCharCode(97 + (k % 26));
    const before = c.received;
    c.clearTail();
    const t0 = performance.now();
    c.send(ch);
    await c.until(() => c.received > before && c.tailIncludes(ch), 10_000);
    out.push(performance.now() - t0);
  }
  return out;
}

export interface Interrupt {
  /** ms from sending the key until the prompt is back (the flood's last byte came before it). */
  ms: number;
  /** KiB of output that arrived after the key was sent. */
  kib: number;
}

/** `yes` flooding a fast client, then Ctrl-C: how soon and after how much output it stops. */
export async function ctrlC(t: Target): Promise<Interrupt> {
  return interrupt(t, `yes '${floodLine}'`, "\x03", prompt);
}

/**
 * A raw-mode flood (no ISIG, no IXON: Ctrl-C is just a byte) whose program quits on a key: the
 * shell's `read` gets the key and kills the flood.
 */
export async function rawQuit(t: Target): Promise<Interrupt> {
  return interrupt(
    t,
    `stty raw -echo -ixon; yes '${floodLine}' & read -rn1 k; kill %1; wait; stty sane; echo QU""IT-$k`,
    "q",
    "QUIT-q",
  );
}

async function interrupt(t: Target, line: string, key: string, done: string): Promise<Interrupt> {
  const s = await t.openShell();
  try {
    const { c } = s;
    c.send(`${line}\r`);
    const flowing = c.received + MB;
    await c.until(() => c.received >= flowing, 60_000);
    c.clearTail();
    const before = c.received + c.skipped;
    const t0 = performance.now();
    c.send(key);
    await c.until(() => c.tailIncludes(done), 60_000);
    return { ms: performance.now() - t0, kib: (c.received + c.skipped - before) / 1024 };
  } finally {
    await s.close();
  }
}

/**
 * A client that consumes at `mbPerSec` while `yes` floods for `seconds`: berth must slow the
 * program to that pace, never skip output, and keep its memory flat. Returns bytes skipped.
 */
export async function slowClient(t: Target, seconds: number, mbPerSec: number): Promise<number> {
  const s = await t.openShell();
  try {
    const { c } = s;
    c.ackLimit = c.received;
    c.send(`yes '${floodLine}'\r`);
    const stepMs = 50;
    for (let i = 0; i < (seconds * 1000) / stepMs; i++) {
      await Bun.sleep(stepMs);
      c.ackLimit += (mbPerSec * MB * stepMs) / 1000;
      c.ack();
    }
    c.ackLimit = Number.POSITIVE_INFINITY;
    c.ack();
    c.clearTail();
    c.send("\x03");
    await c.until(() => c.tailIncludes(prompt), 60_000);
    return c.skipped;
  } finally {
    await s.close();
  }
}

/** Peak agent RSS (MB) with `tabs` sessions each flooding a fast client for `seconds`. */
export async function busyTabs(
  t: Target,
  pid: number,
  tabs: number,
  seconds: number,
): Promise<{
  peakRss: number;
  mbPerSec: number;
  shells: Shell[];
}> {
  const shells = await Promise.all(Array.from({ length: tabs }, () => t.openShell()));
  const start = shells.reduce((n, { c }) => n + c.received, 0);
  for (const { c } of shells) c.send(`yes '${floodLine}'\r`);
  let peakRss = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await Bun.sleep(100);
    peakRss = Math.max(peakRss, rssMb(pid));
  }
  const bytes = shells.reduce((n, { c }) => n + c.received, 0) - start;
  const mbPerSec = bytes / MB / ((performance.now() - t0) / 1000);
  for (const { c } of shells) {
    c.clearTail();
    c.send("\x03");
  }
  await Promise.all(shells.map(({ c }) => c.until(() => c.tailIncludes(prompt), 60_000)));
  return { peakRss, mbPerSec, shells };
}

export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb / 1024;
}

/** utime + stime of a process, in clock ticks (USER_HZ = 100 on Linux). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
