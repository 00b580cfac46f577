/**
 * Terminal benchmark: berth-agent vs websocketd, both behind the same real Caddy, same machine,
 * same run. Measures `cat` throughput to a WebSocket client, keystroke echo latency, and the
 * agent's RSS (idle, 10 busy tabs) and idle CPU. Prints medians over repetitions and ratios.
 *
 *   pnpm --filter @berth/bench bench          (BENCH_MB=256 BENCH_REPS=3 BENCH_KEYS=500)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startCaddy } from "../vm-agent/test/http/caddy.ts";
import { login, makeKeys, mintToken, testConfig } from "../vm-agent/test/terminal/helpers.ts";
import { BenchClient } from "./client.ts";
import { median, percentile, writeTextFile } from "./util.ts";

const MB = 1024 * 1024;
const fileMb = Number(process.env.BENCH_MB ?? 256);
const reps = Number(process.env.BENCH_REPS ?? 3);
const keystrokes = Number(process.env.BENCH_KEYS ?? 500);
const hostname = "bench.localhost";
const endMarker = "BENCH-END-MARKER";

const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
const log = (s: string) => console.error(`[bench] ${s}`);

async function main(): Promise<void> {
  const file = join(dir, "big.txt");
  const size = await writeTextFile(file, fileMb * MB, `${endMarker}\n`);
  log(`generated ${(size / MB).toFixed(0)} MiB test file`);

  // The agent, in its own process.
  const keys = await makeKeys();
  const agentPort = freePort();
  const shellEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, PS1: "PROMPT$ ", LANG: "C.UTF-8" };
  const agent = Bun.spawn([process.execPath, join(import.meta.dir, "agent-entry.ts")], {
    env: {
      ...process.env,
      BENCH_AGENT: JSON.stringify({
        config: { ...testConfig(keys, agentPort), hostname },
        shell: { command: ["bash", "--noprofile", "--norc", "-i"], cwd: dir, env: shellEnv },
      }),
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  cleanups.push(async () => {
    agent.kill("SIGTERM");
    await agent.exited;
  });
  const reader = agent.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  if (!first.includes(`"port":${agentPort}`)) throw new Error(`agent did not start: ${first}`);

  // websocketd: one streaming the file, one echoing keystrokes (binary mode: bytes as they come).
  const wsdCat = startWebsocketd(["cat", file]);
  const wsdEcho = startWebsocketd(["cat"]);

  const caddy = await startCaddy({ hostname, agentPort });
  cleanups.push(() => caddy.stop());
  await waitForHttp(`http://127.0.0.1:${wsdCat}/`);
  await waitForHttp(`http://127.0.0.1:${wsdEcho}/`);
  const cookie = await login(caddy.url, await mintToken(keys.privateKey));
  const origin = caddy.url;
  const agentWs = (id: string) => `ws://${hostname}:${caddy.port}/api/sessions/${id}/ws`;
  const wsdUrl = (port: number) => `ws://${port}.${hostname}:${caddy.port}/`;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${caddy.url}${path}`, {
      method,
      headers: { cookie, origin, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    return res.status === 204 ? null : res.json();
  };
  const openSession = async () => {
    const { id } = (await api("POST", "/api/sessions", { cols: 200, rows: 50 })) as { id: string };
    const c = new BenchClient(agentWs(id), { cookie, origin }, true);
    await c.opened;
    await c.until(() => c.tailIncludes("PROMPT$ "));
    return { id, c };
  };

  // RSS idle: one session attached, nothing happening.
  const idleSession = await openSession();
  await Bun.sleep(2000);
  const rssIdle = rssMb(agent.pid);
  log(`agent RSS idle ${rssIdle.toFixed(1)} MB`);

  // Throughput.
  const berthTput: number[] = [];
  const wsdTput: number[] = [];
  let berthSkipped = 0;
  for (let i = 0; i < reps; i++) {
    const { id, c } = await openSession();
    // A plain `cat` in the shell (cooked mode: the tty adds a CR per line, so a few % more bytes
    // arrive than websocketd's pipe carries; MB/s counts the file's size for both).
    const start = c.received;
    c.clearTail();
    const t0 = performance.now();
    c.send(`cat ${file}\r`);
    await c.until(() => c.tailIncludes(endMarker) && c.received + c.skipped - start >= size, 300_000);
    berthTput.push(size / MB / ((performance.now() - t0) / 1000));
    berthSkipped += c.skipped;
    c.close();
    await api("DELETE", `/api/sessions/${id}`);

    const w = new BenchClient(wsdUrl(wsdCat), { origin }, false);
    const w0 = performance.now();
    await w.opened;
    await w.until(() => w.tailIncludes(endMarker) && w.received >= size, 300_000);
    wsdTput.push(size / MB / ((performance.now() - w0) / 1000));
    w.close();
    log(
      `throughput rep ${i + 1}: berth ${berthTput.at(-1)?.toFixed(0)} MB/s, websocketd ${wsdTput.at(-1)?.toFixed(0)} MB/s`,
    );
  }

  // Keystroke echo latency: one byte in, the same byte back from `cat` (raw mode on the PTY).
  const berthLat: number[][] = [];
  const wsdLat: number[][] = [];
  for (let i = 0; i < reps; i++) {
    const { id, c } = await openSession();
    c.send("stty raw -echo; cat\r");
    await Bun.sleep(300);
    berthLat.push(await echoLatencies(c));
    c.close();
    await api("DELETE", `/api/sessions/${id}`);
    const w = new BenchClient(wsdUrl(wsdEcho), { origin }, false);
    await w.opened;
    wsdLat.push(await echoLatencies(w));
    w.close();
    log(
      `latency rep ${i + 1}: berth p50 ${percentile(berthLat.at(-1) ?? [], 50).toFixed(3)} ms, websocketd p50 ${percentile(wsdLat.at(-1) ?? [], 50).toFixed(3)} ms`,
    );
  }

  // RSS with 10 busy tabs: each floods (`yes`) to a client consuming as fast as it can.
  idleSession.c.close();
  const busy = await Promise.all(Array.from({ length: 10 }, () => openSession()));
  for (const { c } of busy) c.send("yes 'the quick brown fox jumps over the lazy dog 0123456789'\r");
  let rssBusy = 0;
  for (let t = 0; t < 20; t++) {
    await Bun.sleep(250);
    rssBusy = Math.max(rssBusy, rssMb(agent.pid));
  }
  const busyBytes = busy.reduce((n, { c }) => n + c.received, 0);
  log(`10 busy tabs: peak RSS ${rssBusy.toFixed(1)} MB, ${(busyBytes / MB / 5).toFixed(0)} MB/s total`);
  for (const { c } of busy) c.send("\x03");
  await Bun.sleep(1000);

  // Idle CPU over 10 s with the 10 tabs still attached and quiet.
  const cpu0 = cpuTicks(agent.pid);
  await Bun.sleep(10_000);
  const idleCpu = ((cpuTicks(agent.pid) - cpu0) / 100 / 10) * 100;
  for (const { c } of busy) c.close();

  const rows: Array<[string, number, number | null]> = [
    ["throughput, MB/s (median)", median(berthTput), median(wsdTput)],
    [
      "echo latency p50, ms (median of reps)",
      median(berthLat.map((l) => percentile(l, 50))),
      median(wsdLat.map((l) => percentile(l, 50))),
    ],
    [
      "echo latency p99, ms (median of reps)",
      median(berthLat.map((l) => percentile(l, 99))),
      median(wsdLat.map((l) => percentile(l, 99))),
    ],
    ["agent RSS idle, MB", rssIdle, null],
    ["agent RSS 10 busy tabs (peak), MB", rssBusy, null],
    ["agent idle CPU over 10 s, % of a core", idleCpu, null],
  ];
  printTable(rows, { fileMb, reps, keystrokes });
  console.log(
    `berth bytes skipped (client overrun despite XOFF) over ${reps} x ${fileMb} MiB: ${(berthSkipped / MB).toFixed(2)} MiB`,
  );
}

async function echoLatencies(c: BenchClient): Promise<number[]> {
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

function startWebsocketd(command: string[]): number {
  const port = freePort();
  const proc = Bun.spawn(
    [
      "websocketd",
      "--address",
      "127.0.0.1",
      "--port",
      String(port),
      "--binary",
      "--loglevel",
      "error",
      ...command,
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  cleanups.push(async () => {
    proc.kill("SIGTERM");
    await proc.exited;
  });
  return port;
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`${url} did not come up`);
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kb / 1024;
}

/** utime + stime of a process, in clock ticks (USER_HZ = 100 on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function printTable(rows: Array<[string, number, number | null]>, meta: Record<string, number>): void {
  const fmt = (n: number | null) => (n === null ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 3));
  const lines = [
    `berth terminal benchmark (${Object.entries(meta)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}; through Caddy)`,
    `${"metric".padEnd(42)}${"berth".padStart(12)}${"websocketd".padStart(12)}${"ratio".padStart(10)}`,
    ...rows.map(([name, b, w]) => {
      const ratio = w === null || w === 0 ? "-" : (b / w).toFixed(2);
      return `${name.padEnd(42)}${fmt(b).padStart(12)}${fmt(w).padStart(12)}${ratio.padStart(10)}`;
    }),
  ];
  console.log(lines.join("\n"));
}

try {
  await main();
} finally {
  for (const c of cleanups.reverse()) await c();
}
