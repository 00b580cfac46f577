/**
 * The daemon end to end (host runtime, real git, the in-test control plane): the owner presses
 * Sleep, the agent snapshots and shuts down naming the snapshot; a new VM wakes from it before its
 * terminal opens; a corrupt snapshot fails the wake with the reason and restores nothing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { fakeControlPlane } from "../control-plane/fake.ts";
import { snapshotControlPlane } from "./fake-cp.ts";
import { sh, tree } from "./fixture.ts";

const TOKEN = "cb_0123456789abcdefghijklmnop";
const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

function fakeHttp() {
  const banners: Array<string | null> = [];
  const start: StartHttpServer = async () => {
    const server: AgentHttpServer = {
      url: "http://127.0.0.1:9",
      port: 9,
      sessions: () => [],
      broadcastBanner: (t) => banners.push(t),
      stop: async () => {},
    };
    return server;
  };
  return { start, banners };
}

async function setup() {
  const root = await tempDir("berth-sleepwake-", dirs);
  const repo = await makeRepo(root);
  const bin = join(root, "bin");
  await fakeBin(bin, "docker", "exit 1");
  let restore: string | null = null;
  const cp = snapshotControlPlane({
    partSize: 2048,
    maxBytes: 50 << 20,
    token: TOKEN,
    restore: () => restore,
  });
  cleanups.push(cp.stop);
  const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };
  /** One VM: its own config, secrets and data dir. */
  const vm = async (name: string) => {
    const etc = join(root, name, "etc");
    await mkdir(etc, { recursive: true });
    const config = testConfig(join(root, name, "data"), {
      control_plane_url: cp.url,
      repo_url: repo,
      heartbeat_interval_seconds: 1,
      checkpoint_interval_seconds: 3600,
    });
    await writeFile(join(etc, "agent.json"), JSON.stringify(config));
    const http = fakeHttp();
    const start = () =>
      serve({
        configPath: join(etc, "agent.json"),
        startHttpServer: http.start,
        env,
        tickMs: 50,
        log: () => {},
      });
    return { config, http, start, ws: join(config.data_dir, "workspace"), data: config.data_dir };
  };
  return { root, cp, vm, setRestore: (id: string | null) => (restore = id) };
}

const progress = (events: Array<{ kind: string; body: unknown }>, step: string) =>
  events
    .filter((e) => e.kind === "progress" && (e.body as { step: string }).step === step)
    .map((e) => (e.body as { message: string }).message);

describe("sleep and wake (serve)", () => {
  test("Sleep pressed: snapshot, shutdown naming it; the wake restores it before the terminal", async () => {
    const s = await setup();
    const a = await s.vm("vm-a");
    const agentA = await a.start();
    cleanups.push(() => agentA.stop());
    // Work that exists only on this VM.
    await writeFile(join(a.ws, "README.md"), "uncommitted edit\n");
    await writeFile(join(a.ws, "todo.txt"), "untracked\n");
    await sh(a.ws, "git", "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-qam", "local commit");
    await writeFile(join(a.ws, "README.md"), "edit after the commit\n");
    await mkdir(join(a.data, "claude", "projects", "p"), { recursive: true });
    await writeFile(join(a.data, "claude", "projects", "p", "s.jsonl"), '{"type":"user"}\n');
    await writeFile(join(a.data, "home", ".bash_history"), "make test\n");
    const before = await tree(a.ws);

    s.cp.setHeartbeatState("sleeping");
    const down = await s.cp.waitFor((e) => e.kind === "shutdown");
    const snap = [...s.cp.snapshots.values()].find((x) => x.kind === "sleep");
    expect(snap?.complete).not.toBeNull();
    expect(down.body).toEqual({ reason: "user", snapshot_id: snap?.id });
    expect(a.http.banners).toContain(
      "Berth: this workspace is going to sleep (asked by its owner). Saving your work…",
    );
    expect(agentA.status().phase).toBe("shutting_down");
    await agentA.stop();

    // A new VM wakes from it.
    s.cp.setHeartbeatState(undefined);
    s.setRestore(snap?.id ?? null);
    const b = await s.vm("vm-b");
    const agentB = await b.start();
    cleanups.push(() => agentB.stop());
    expect(await tree(b.ws)).toEqual(before);
    expect(await sh(b.ws, "git", "log", "-1", "--format=%s")).toBe("local commit\n");
    expect(await readFile(join(b.data, "claude", "projects", "p", "s.jsonl"), "utf8")).toBe(
      '{"type":"user"}\n',
    );
    expect(await readFile(join(b.data, "home", ".bash_history"), "utf8")).toBe("make test\n");
    const restoreLines = progress(s.cp.events, "restore");
    expect(restoreLines[0]).toMatch(new RegExp(`^Restoring snapshot ${snap?.id} `));
    expect(restoreLines.some((l) => l.startsWith("Restored the workspace in"))).toBe(true);
    // No fresh clone: the restored repo was used.
    expect(progress(s.cp.events, "clone").at(-1)).toMatch(/^Using the existing clone/);
    // The restore came before the terminal.
    const kinds = s.cp.events.map((e) => e.kind);
    expect(kinds.lastIndexOf("ready")).toBeGreaterThan(
      s.cp.events.findLastIndex(
        (e) => e.kind === "progress" && (e.body as { step: string }).step === "restore",
      ),
    );
  }, 60_000);

  test("a corrupt snapshot fails the wake with the reason, and nothing is restored", async () => {
    const s = await setup();
    const a = await s.vm("vm-a");
    const agentA = await a.start();
    cleanups.push(() => agentA.stop());
    await writeFile(join(a.ws, "todo.txt"), "untracked\n");
    s.cp.setHeartbeatState("sleeping");
    const down = await s.cp.waitFor((e) => e.kind === "shutdown");
    await agentA.stop();

    s.cp.faults.corruptPartOnGet = 0;
    s.setRestore((down.body as { snapshot_id: string }).snapshot_id);
    const b = await s.vm("vm-b");
    const seen = s.cp.events.length;
    const err = await b.start().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const failed = s.cp.of("shutdown").at(-1)?.body as { reason: string; detail: string };
    expect(failed.reason).toBe("boot_failed");
    expect(failed.detail).toContain("is corrupt");
    expect(failed.detail).toContain("nothing was restored");
    expect(existsSync(b.ws)).toBe(false);
    // It did not fall back to a fresh clone either (that would look like lost work).
    expect(progress(s.cp.events.slice(seen), "clone")).toHaveLength(0);
    expect(progress(s.cp.events.slice(seen), "restore").at(-1)).toBe(
      "the snapshot cannot be restored; asking the control plane to stop this VM",
    );
  }, 60_000);

  test("a control plane without snapshots (404): the old shutdown, said out loud", async () => {
    const root = await tempDir("berth-nosnap-", dirs);
    const repo = await makeRepo(root);
    const bin = join(root, "bin");
    await fakeBin(bin, "docker", "exit 1");
    const cp = fakeControlPlane({
      bootstrap: () => Response.json({ callback_token: TOKEN, claude_api_key: null }),
      snapshots: () => Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 }),
    });
    cleanups.push(cp.stop);
    const config = testConfig(join(root, "data"), {
      control_plane_url: cp.url,
      repo_url: repo,
      idle_timeout_seconds: 1,
      idle_grace_seconds: 0,
    });
    await writeFile(join(root, "agent.json"), JSON.stringify(config));
    const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };
    const agent = await serve({
      configPath: join(root, "agent.json"),
      startHttpServer: fakeHttp().start,
      env,
      tickMs: 50,
      log: () => {},
    });
    cleanups.push(() => agent.stop());
    const end = Date.now() + 20_000;
    while (cp.of("shutdown").length === 0 && Date.now() < end) await Bun.sleep(20);
    expect(cp.of("shutdown").map((r) => r.body)).toEqual([{ reason: "idle" }]);
    const lines = cp.of("progress").map((r) => (r.body as { message: string }).message);
    expect(lines).toContain("This control plane keeps no snapshots: the workspace is deleted without one");
  }, 30_000);
});
