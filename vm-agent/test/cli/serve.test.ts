import { afterEach, describe, expect, test } from "bun:test";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { forwardHook } from "../../src/hooks/client.ts";
import { hookMessage } from "../../src/hooks/message.ts";
import {
  type AgentHttpServer,
  type RunningAgent,
  ServeError,
  type StartHttpServer,
  serve,
} from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { fakeControlPlane, snapshotRoutes } from "../control-plane/fake.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

/** Stands in for the terminal half: records banners and hands out the input callback. */
function fakeHttp() {
  const banners: Array<string | null> = [];
  let input: (() => void) | null = null;
  let getStatus: (() => unknown) | null = null;
  let shellCwd = "";
  const start: StartHttpServer = async (o) => {
    input = o.onHumanInput;
    getStatus = o.getStatus;
    shellCwd = o.shell.cwd;
    const server: AgentHttpServer = {
      url: "http://127.0.0.1:9",
      port: 9,
      sessions: () => [{ id: "t1", name: "main", createdAt: new Date(0).toISOString(), clients: 1, pid: 1 }],
      broadcastBanner: (t) => banners.push(t),
      stop: async () => {},
    };
    return server;
  };
  return {
    start,
    banners,
    type: () => input?.(),
    status: () => getStatus?.() as Record<string, unknown>,
    get cwd() {
      return shellCwd;
    },
  };
}

async function setup(overrides: Parameters<typeof testConfig>[1] = {}) {
  const root = await tempDir("berth-serve-", dirs);
  const repo = await makeRepo(root);
  const bin = join(root, "bin");
  await fakeBin(bin, "docker", "exit 1");
  const cp = fakeControlPlane({
    bootstrap: (_r, n) =>
      n === 1
        ? Response.json({ callback_token: "cb_0123456789abcdefghijklmnop", claude_api_key: "sk-ant-x" })
        : Response.json({ error: { code: "conflict", message: "redeemed" } }, { status: 409 }),
    shutdown: (_r, n) => (n <= 2 ? new Response("busy", { status: 503 }) : Response.json({ ok: true })),
    ...snapshotRoutes(),
  });
  cleanups.push(cp.stop);
  const configPath = join(root, "etc", "agent.json");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(root, "etc"));
  const config = testConfig(join(root, "data"), { control_plane_url: cp.url, repo_url: repo, ...overrides });
  await writeFile(configPath, JSON.stringify(config));
  const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };
  return { root, cp, configPath, config, env };
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(20);
  }
}

describe("serve (host runtime, fake control plane and terminal)", () => {
  test("bootstraps, boots, reports ready, heartbeats, takes hooks, restarts without redeeming", async () => {
    const s = await setup({ heartbeat_interval_seconds: 1 });
    const http = fakeHttp();
    const agent: RunningAgent = await serve({
      configPath: s.configPath,
      startHttpServer: http.start,
      env: s.env,
      tickMs: 50,
      log: () => {},
      cloudInitStatus: async () => ({ startMs: Date.parse("2026-11-30T10:00:00Z"), doneMs: null }),
    });
    cleanups.push(() => agent.stop());
    expect(agent.boot.runtime).toBe("host");
    // The boot timeline: each mark once, stamped with when it happened (cloud-init's own start).
    const timeline = () =>
      s.cp
        .of("progress")
        .map((r) => r.body as { step: string; message: string; at: string })
        .filter((b) => b.step === "timeline");
    await until(() => timeline().length >= 4);
    expect(timeline().map((b) => b.message.split(" ")[0])).toEqual([
      "agent.start",
      "cloud-init.start",
      "clone.done",
      "terminal.ready",
    ]);
    expect(timeline()[1]?.at).toBe("2026-11-30T10:00:00.000Z");
    expect(http.cwd).toBe(join(s.config.data_dir, "workspace"));
    expect((await stat(join(s.root, "etc", "secrets.json"))).mode & 0o777).toBe(0o600);
    expect(s.cp.of("ready").map((r) => r.body)).toEqual([{ runtime: "host" }]);
    const steps = s.cp.of("progress").map((r) => (r.body as { message: string }).message);
    expect(steps).toContain("no Docker engine: running the shell on the host");
    expect(s.cp.of("progress").every((r) => r.auth === "Bearer cb_0123456789abcdefghijklmnop")).toBe(true);
    await until(() => s.cp.of("heartbeat").length >= 1);
    expect(s.cp.of("heartbeat")[0]?.body).toMatchObject({ open_terminals: 1, claude: { state: "idle" } });

    // A Claude hook through the real socket makes Claude "working" in the status.
    const sock = join(s.config.data_dir, "run", "agent.sock");
    expect(
      await forwardHook(hookMessage("UserPromptSubmit", '{"session_id":"x"}'), { socketPath: sock }),
    ).toBe(true);
    expect((http.status().claude as { state: string }).state).toBe("working");
    expect(http.status().phase).toBe("ready");
    await agent.stop();

    // Restart: stored secrets are reused (a second redemption would be refused).
    const again = await serve({
      configPath: s.configPath,
      startHttpServer: fakeHttp().start,
      env: s.env,
      tickMs: 50,
      log: () => {},
    });
    cleanups.push(() => again.stop());
    expect(s.cp.of("bootstrap")).toHaveLength(1);
    expect(s.cp.of("ready")).toHaveLength(2);
    // A restart is not a boot: no second timeline.
    expect(timeline()).toHaveLength(4);
  });

  test("idle: warning banner, cancelled by input, a sleep snapshot, then exactly one shutdown naming it", async () => {
    const s = await setup({ idle_timeout_seconds: 1, idle_grace_seconds: 1 });
    const http = fakeHttp();
    const agent = await serve({
      configPath: s.configPath,
      startHttpServer: http.start,
      env: s.env,
      tickMs: 50,
      log: () => {},
    });
    cleanups.push(() => agent.stop());
    await until(() => http.banners.length >= 1);
    expect(http.banners[0]).toContain("is going to sleep at");
    expect(http.banners[0]).toContain("unless you type something");
    http.type();
    expect(http.banners[1]).toBeNull();
    await until(() => s.cp.of("shutdown").length >= 3, 15_000);
    await until(() => agent.status().shutdown_request === "done", 5000);
    // Ticks go on; nothing more is sent.
    await Bun.sleep(300);
    const slept = { reason: "idle", snapshot_id: "snap1" };
    expect(s.cp.of("shutdown").map((r) => r.body)).toEqual([slept, slept, slept]);
    expect(s.cp.of("snapshots").map((r) => r.body)).toEqual([{ kind: "sleep" }]);
    // The snapshot was verified before the shutdown was asked for.
    expect(s.cp.of("complete")[0]?.at).toBeLessThanOrEqual(s.cp.of("shutdown")[0]?.at ?? 0);
    expect(http.banners).toContain("Berth: your work is saved. This workspace is going to sleep.");
    expect(agent.status().phase).toBe("shutting_down");
  }, 20_000);

  test("an idle warning reaches the control plane at once, not at the next 60-second heartbeat", async () => {
    const s = await setup({
      idle_timeout_seconds: 1,
      idle_grace_seconds: 30,
      heartbeat_interval_seconds: 60,
    });
    const http = fakeHttp();
    const agent = await serve({
      configPath: s.configPath,
      startHttpServer: http.start,
      env: s.env,
      tickMs: 50,
      log: () => {},
    });
    cleanups.push(() => agent.stop());
    const warned = () =>
      s.cp.of("heartbeat").filter((r) => (r.body as { idle?: { warning?: boolean } }).idle?.warning === true);
    await until(() => warned().length >= 1, 5000);
    const beat = warned()[0]?.body as { idle: { shutdown_at: string | null } };
    expect(beat.idle.shutdown_at).not.toBeNull();
    http.type();
    const lastWarning = () =>
      (s.cp.of("heartbeat").at(-1)?.body as { idle?: { warning?: boolean } } | undefined)?.idle?.warning;
    await until(() => lastWarning() === false);
  }, 10_000);

  test("a boot that keeps failing asks to be destroyed on the third attempt, with the reason", async () => {
    const s = await setup({ repo_url: "/nonexistent/berth-repo.git" });
    const start = () =>
      serve({
        configPath: s.configPath,
        startHttpServer: fakeHttp().start,
        env: s.env,
        tickMs: 50,
        log: () => {},
      });
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await start().catch((e: Error) => e.message)).toContain("boot failed");
      expect(s.cp.of("shutdown")).toHaveLength(0); // a restart may still succeed
    }
    expect(await start().catch((e: Error) => e.message)).toContain("boot failed");
    const asked = s.cp.of("shutdown").map((r) => r.body as { reason: string; detail?: string });
    expect(asked.at(-1)?.reason).toBe("boot_failed");
    expect(asked.at(-1)?.detail).toMatch(/clone/i);
    expect(s.cp.of("bootstrap")).toHaveLength(1); // restarts reuse the stored secrets
  }, 20_000);

  test("a bad config is a clear error", async () => {
    const s = await setup();
    await writeFile(s.configPath, JSON.stringify({ ...s.config, idle_timeout_seconds: -1 }));
    const err = await serve({ configPath: s.configPath, startHttpServer: fakeHttp().start }).catch((e) => e);
    expect(err).toBeInstanceOf(ServeError);
    expect(err.message).toContain("idle_timeout_seconds");
  });
});
