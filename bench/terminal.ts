/**
 * Terminal benchmark: berth-agent against a PTY reference (websocketd + `script`, bash in a PTY)
 * and a pipe ceiling (websocketd + `cat`, no PTY), all behind the same real Caddy, same machine,
 * same run. Every figure is printed with its ratio to the references measured in this run.
 *
 *   pnpm bench                 full run (BENCH_MB=256 BENCH_REPS=3 BENCH_KEYS=500)
 *   bun terminal.ts quick      seconds, small sizes: proves every figure is produced (finite),
 *                              never how fast; part of the test suite
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  busyTabs,
  cpuTicks,
  ctrlC,
  endMarker,
  type Interrupt,
  pipeEcho,
  pipeThroughput,
  rawQuit,
  rssMb,
  shellEcho,
  shellThroughput,
  slowClient,
} from "./scenarios.ts";
import { startBench } from "./setup.ts";
import { median, percentile, writeTextFile } from "./util.ts";

const MB = 1024 * 1024;
const quick = process.argv.includes("quick") || process.env.BENCH_QUICK === "1";
const settings = {
  fileMb: Number(process.env.BENCH_MB ?? (quick ? 8 : 256)),
  reps: Number(process.env.BENCH_REPS ?? (quick ? 1 : 3)),
  keys: Number(process.env.BENCH_KEYS ?? (quick ? 30 : 500)),
  busySeconds: Number(process.env.BENCH_BUSY_SECONDS ?? (quick ? 1 : 5)),
  slowSeconds: quick ? 1 : 5,
  idleCpuSeconds: quick ? 1 : 10,
};
/** The compressed agent download, as scripts/build.ts writes it. */
const downloadFile = join(import.meta.dir, "../vm-agent/dist/berth-agent-linux-x64.xz");

const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
const log = (s: string) => console.error(`[bench] ${s}`);

/** name, berth, PTY reference, pipe ceiling (null: not applicable). */
type Row = [string, number, number | null, number | null];

async function main(): Promise<Row[]> {
  const file = join(dir, "big.txt");
  const size = await writeTextFile(file, settings.fileMb * MB, `${endMarker}\n`);
  log(`generated ${(size / MB).toFixed(0)} MiB test file`);
  const b = await startBench(dir, file, cleanups);

  const idle = await b.berth.openShell();
  await Bun.sleep(quick ? 200 : 2000);
  const rssIdle = rssMb(b.agentPid);
  log(`agent RSS idle ${rssIdle.toFixed(1)} MB`);

  const tput = { berth: [] as number[], pty: [] as number[], pipe: [] as number[] };
  const lat = { berth: [] as number[][], pty: [] as number[][], pipe: [] as number[][] };
  const ctrl = { berth: [] as Interrupt[], pty: [] as Interrupt[] };
  const raw = { berth: [] as Interrupt[], pty: [] as Interrupt[] };
  for (let i = 0; i < settings.reps; i++) {
    tput.berth.push(await shellThroughput(b.berth, file, size));
    tput.pty.push(await shellThroughput(b.ptyRef, file, size));
    tput.pipe.push(await pipeThroughput(b.pipeCat.url, b.pipeCat.headers, size));
    log(`throughput rep ${i + 1}: ${fmtAll([tput.berth, tput.pty, tput.pipe].map((x) => x.at(-1)))} MB/s`);
    lat.berth.push(await shellEcho(b.berth, settings.keys));
    lat.pty.push(await shellEcho(b.ptyRef, settings.keys));
    lat.pipe.push(await pipeEcho(b.pipeEcho.url, b.pipeEcho.headers, settings.keys));
    ctrl.berth.push(await ctrlC(b.berth));
    ctrl.pty.push(await ctrlC(b.ptyRef));
    raw.berth.push(await rawQuit(b.berth));
    raw.pty.push(await rawQuit(b.ptyRef));
    log(
      `interrupts rep ${i + 1}: berth ^C ${JSON.stringify(ctrl.berth.at(-1))}, raw ${JSON.stringify(raw.berth.at(-1))}`,
    );
  }

  const skipped = await slowClient(b.berth, settings.slowSeconds, 2);
  idle.c.close();
  const busy = await busyTabs(b.berth, b.agentPid, 10, settings.busySeconds);
  log(`10 busy tabs: peak RSS ${busy.peakRss.toFixed(1)} MB, ${busy.mbPerSec.toFixed(0)} MB/s total`);
  const cpu0 = cpuTicks(b.agentPid);
  await Bun.sleep(settings.idleCpuSeconds * 1000);
  const idleCpu = ((cpuTicks(b.agentPid) - cpu0) / 100 / settings.idleCpuSeconds) * 100;
  for (const s of busy.shells) await s.close();

  const p = (runs: number[][], q: number) => median(runs.map((l) => percentile(l, q)));
  const m = (xs: Interrupt[], k: keyof Interrupt) => median(xs.map((x) => x[k]));
  return [
    ["throughput of `cat` in the shell, MB/s", median(tput.berth), median(tput.pty), median(tput.pipe)],
    ["keystroke echo p50, ms", p(lat.berth, 50), p(lat.pty, 50), p(lat.pipe, 50)],
    ["keystroke echo p99, ms", p(lat.berth, 99), p(lat.pty, 99), p(lat.pipe, 99)],
    ["`yes` + Ctrl-C: ms until the prompt", m(ctrl.berth, "ms"), m(ctrl.pty, "ms"), null],
    ["`yes` + Ctrl-C: KiB after the key", m(ctrl.berth, "kib"), m(ctrl.pty, "kib"), null],
    ["raw-mode flood, quit key: ms until done", m(raw.berth, "ms"), m(raw.pty, "ms"), null],
    ["raw-mode flood, quit key: KiB after it", m(raw.berth, "kib"), m(raw.pty, "kib"), null],
    [`bytes skipped, client at 2 MB/s under a flood`, skipped, null, null],
    ["agent RSS idle, MB", rssIdle, null, null],
    ["agent RSS 10 busy tabs (peak), MB", busy.peakRss, null, null],
    ["10 busy tabs, total MB/s", busy.mbPerSec, null, null],
    [`agent idle CPU over ${settings.idleCpuSeconds} s, % of a core`, idleCpu, null, null],
    [
      "agent download (x64, xz), MB",
      existsSync(downloadFile) ? statSync(downloadFile).size / 1e6 : Number.NaN,
      null,
      null,
    ],
  ];
}

function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 3);
}

function fmtAll(xs: Array<number | undefined>): string {
  return xs.map((x) => fmt(x)).join(" / ");
}

function printTable(rows: Row[]): void {
  const ratio = (a: number, r: number | null) => (r === null || r === 0 ? "-" : (a / r).toFixed(2));
  const meta = Object.entries({ quick, ...settings })
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const lines = [
    `berth terminal benchmark (${meta}; all through Caddy)`,
    "",
    "| metric | berth | PTY ref | pipe ceiling | berth / PTY ref | berth / pipe |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      ([name, b, pty, pipe]) =>
        `| ${name} | ${fmt(b)} | ${fmt(pty)} | ${fmt(pipe)} | ${ratio(b, pty)} | ${ratio(b, pipe)} |`,
    ),
  ];
  console.log(lines.join("\n"));
}

let failed = false;
try {
  const rows = await main();
  printTable(rows);
  const missing = rows.filter(([, ...figures]) => figures.some((f) => f !== null && !Number.isFinite(f)));
  if (missing.length > 0) {
    console.error(`[bench] figures not produced: ${missing.map(([n]) => n).join("; ")}`);
    failed = true;
  }
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  for (const c of cleanups.reverse()) await c();
}
process.exit(failed ? 1 : 0);
