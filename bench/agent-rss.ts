/**
 * RSS of the shipped binary itself, run as systemd runs it (`berth-agent serve --config`, host
 * runtime, a fake control plane and a local repo; see vm-agent/test/web/binary-agent.ts): once it
 * reported ready, and after a browser's visit (login, the page's files, one open terminal).
 *   bun agent-rss.ts [BINARY] [RUNS]   (default: vm-agent/dist/berth-agent-linux-x64, 3 runs)
 * terminal.ts measures the HTTP server alone under load; this is the whole agent at rest.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBinaryAgent } from "../vm-agent/test/web/binary-agent.ts";
import { rssMb } from "./scenarios.ts";
import { median } from "./util.ts";

const binary = process.argv[2] ?? join(import.meta.dir, "../vm-agent/dist/berth-agent-linux-x64");
const runs = Number(process.argv[3] ?? 3);
/** Long enough for the agent's post-boot work (first heartbeat, hook setup) to settle. */
const settleMs = 2500;

async function once(): Promise<{ ready: number; visited: number }> {
  const root = await mkdtemp(join(tmpdir(), "berth-agent-rss-"));
  const a = await startBinaryAgent(binary, root, {
    idle_timeout_seconds: 3600,
    idle_grace_seconds: 60,
    heartbeat_interval_seconds: 1,
  });
  try {
    for (let i = 0; a.cp.of("ready").length === 0; i++) {
      if (i > 600 || a.proc.exitCode !== null) throw new Error(`the agent never got ready:\n${a.output()}`);
      await Bun.sleep(100);
    }
    await Bun.sleep(settleMs);
    const ready = rssMb(a.proc.pid);
    const login = await fetch(await a.tokenUrl(), { redirect: "manual" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const headers = { cookie, origin: a.base.slice(0, -1) };
    for (const path of ["", "assets/page.js", "assets/xterm.css", "assets/style.css"]) {
      const res = await fetch(a.base + path, { headers });
      if (!res.ok) throw new Error(`GET /${path}: ${res.status}`);
      await res.arrayBuffer();
    }
    const created = await fetch(`${a.base}api/sessions`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{}",
    });
    const { id } = (await created.json()) as { id: string };
    const ws = new WebSocket(`${a.base.replace(/^http/, "ws")}api/sessions/${id}/ws`, {
      headers,
    } as unknown as string[]);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("the terminal WebSocket did not open"));
    });
    await Bun.sleep(settleMs);
    const visited = rssMb(a.proc.pid);
    ws.close();
    return { ready, visited };
  } finally {
    await a.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const results: Array<{ ready: number; visited: number }> = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  console.error(
    `[agent-rss] run ${i + 1}: ready ${r.ready.toFixed(1)} MB, after a visit ${r.visited.toFixed(1)} MB`,
  );
  results.push(r);
}
const fmt = (xs: number[]) => median(xs).toFixed(1);
console.log(
  `berth-agent RSS (median of ${runs}): ready ${fmt(results.map((r) => r.ready))} MB, after a visit (page + 1 terminal) ${fmt(results.map((r) => r.visited))} MB`,
);
