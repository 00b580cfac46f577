import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { dirSource } from "../../src/snapshot/home.ts";
import { packSnapshot } from "../../src/snapshot/pack.ts";
import { applyPendingHome, RestoreError, restoreSnapshot } from "../../src/snapshot/restore.ts";
import { createSnapshotService } from "../../src/snapshot/service.ts";
import { spawnOk } from "../../src/snapshot/spawn.ts";
import { uploadSnapshot } from "../../src/snapshot/upload.ts";
import { snapshotControlPlane } from "./fake-cp.ts";
import { makeWorkspace, tree } from "./fixture.ts";

const TOKEN = "cb_0123456789abcdefghijklmnop";
const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function setup(limits = { partSize: 4096, maxBytes: 10 * 1024 * 1024 }) {
  const root = await mkdtemp(join(tmpdir(), "berth-snapup-"));
  stops.push(() => rm(root, { recursive: true, force: true }));
  const cp = snapshotControlPlane({ ...limits, token: TOKEN });
  stops.push(cp.stop);
  const client = createControlPlaneClient({
    baseUrl: cp.url,
    workspaceId: "ws1",
    retry: { attempts: 4, baseMs: 5, maxMs: 20 },
  });
  client.setCallbackToken(TOKEN);
  const { ws, home } = await makeWorkspace(root);
  const homeSource = dirSource("home", home, [".claude", ".claude.json", ".bash_history"]);
  const lines: string[] = [];
  const report = (step: string, message: string) => lines.push(`${step}: ${message}`);
  const upload = (kind: "sleep" | "checkpoint" = "sleep") =>
    uploadSnapshot({
      client,
      kind,
      retry: { attempts: 4, baseMs: 5, maxMs: 20 },
      pack: ({ maxBytes, partSize }) =>
        packSnapshot({
          workspaceDir: ws,
          keepIgnored: false,
          home: [homeSource],
          outFile: join(root, "scratch", "a.tar.zst"),
          maxBytes,
          partSize,
        }),
    });
  return { root, cp, client, ws, home, homeSource, lines, report, upload };
}

describe("upload and restore through the control plane", () => {
  test("a part that fails is retried; complete verifies; a wake restores it byte for byte", async () => {
    const s = await setup();
    s.cp.faults.failPartOnce = [1];
    const before = { ws: await tree(s.ws, ["node_modules", "dist"]), home: await tree(s.home) };
    const u = await s.upload();
    expect(u.parts).toBeGreaterThan(2);
    expect(s.cp.of("part-failed")).toEqual([expect.objectContaining({ body: { n: 1 } })]);
    expect(s.cp.of("snapshot-verified")).toHaveLength(1);
    expect(s.cp.snapshots.get(u.snapshotId)?.complete?.sha256).toBe(u.sha256);
    expect(await readdir(join(s.root, "scratch"))).toEqual([]);

    // The VM is gone; a new one restores into an empty data dir.
    await rm(s.home, { recursive: true });
    const fresh = join(s.root, "new-vm");
    const r = await restoreSnapshot({
      client: s.client,
      snapshotId: u.snapshotId,
      workDir: join(fresh, "restore"),
      workspaceDir: join(fresh, "workspace"),
      pendingHomeDir: join(fresh, "state", "restore-home"),
      report: s.report,
    });
    expect(r.size).toBe(u.size);
    expect(await tree(join(fresh, "workspace"))).toEqual(before.ws);
    expect(existsSync(join(fresh, "restore"))).toBe(false);
    await applyPendingHome(join(fresh, "state", "restore-home"), [s.homeSource], s.report);
    expect(await tree(s.home)).toEqual(before.home);
    expect(existsSync(join(fresh, "state", "restore-home"))).toBe(false);
    expect(s.lines[0]).toMatch(/^restore: Restoring snapshot snap1 \(.+, \d+ parts\)$/);
    expect(s.lines.some((l) => l.startsWith("restore: Downloaded and verified"))).toBe(true);
    expect(s.lines.some((l) => /^restore: Restored the workspace in .* \(.*\/s\)$/.test(l))).toBe(true);
  });

  // A devcontainer user who is not root owns the folder; root (the agent) packs and restores it.
  test.skipIf(process.getuid?.() !== 0)(
    "a workspace owned by the container's user: packed by root, its folder comes back theirs",
    async () => {
      const s = await setup();
      await chmod(s.ws, 0o750);
      await spawnOk(["chown", "-R", "-h", "1000:1000", s.ws]);
      const u = await s.upload();
      const fresh = join(s.root, "new-vm");
      await restoreSnapshot({
        client: s.client,
        snapshotId: u.snapshotId,
        workDir: join(fresh, "restore"),
        workspaceDir: join(fresh, "workspace"),
        pendingHomeDir: join(fresh, "state", "restore-home"),
        report: s.report,
      });
      for (const f of ["", "README.md", ".git", ".git/index", "src/deep"]) {
        const st = await stat(join(fresh, "workspace", f));
        expect([f, st.uid, st.gid]).toEqual([f, 1000, 1000]);
      }
      expect((await stat(join(fresh, "workspace"))).mode & 0o7777).toBe(0o750);
      // The stash and the local commit were packed although root's git calls the folder dubious.
      expect(await tree(join(fresh, "workspace"), ["node_modules", "dist"])).toEqual(
        await tree(s.ws, ["node_modules", "dist"]),
      );
    },
  );

  test("a corrupt part is refused: nothing is restored", async () => {
    const s = await setup();
    const u = await s.upload();
    s.cp.faults.corruptPartOnGet = 2;
    const fresh = join(s.root, "new-vm");
    const err = await restoreSnapshot({
      client: s.client,
      snapshotId: u.snapshotId,
      workDir: join(fresh, "restore"),
      workspaceDir: join(fresh, "workspace"),
      pendingHomeDir: join(fresh, "state", "restore-home"),
      report: s.report,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreError);
    expect((err as RestoreError).permanent).toBe(true);
    expect((err as Error).message).toBe(
      `snapshot ${u.snapshotId} is corrupt: part 2's SHA-256 does not match the manifest; nothing was restored`,
    );
    expect(existsSync(join(fresh, "workspace"))).toBe(false);
    expect(existsSync(join(fresh, "restore"))).toBe(false);
    expect(existsSync(join(fresh, "state", "restore-home"))).toBe(false);
  });

  test("a whole archive that does not match its manifest is refused", async () => {
    const s = await setup();
    const u = await s.upload();
    s.cp.faults.wrongManifestSha = true;
    const fresh = join(s.root, "new-vm");
    const err = await restoreSnapshot({
      client: s.client,
      snapshotId: u.snapshotId,
      workDir: join(fresh, "restore"),
      workspaceDir: join(fresh, "workspace"),
      pendingHomeDir: join(fresh, "state", "restore-home"),
      report: s.report,
    }).catch((e: unknown) => e);
    expect((err as RestoreError).permanent).toBe(true);
    expect((err as Error).message).toMatch(
      /^snapshot snap1 is corrupt: the archive's SHA-256 is [0-9a-f]{12}…, the manifest says 000000000000…; nothing was restored$/,
    );
    expect(existsSync(join(fresh, "workspace"))).toBe(false);
    expect(existsSync(join(fresh, "restore"))).toBe(false);
  });

  test("over the cap: the report goes to complete, and no part is sent", async () => {
    const s = await setup({ partSize: 4096, maxBytes: 20_000 });
    await writeFile(join(s.ws, "big.bin"), crypto.getRandomValues(new Uint8Array(40_000)));
    const err = await s.upload().catch((e: unknown) => e);
    expect((err as Error).message).toContain("over the 19.5 KiB cap");
    expect((err as Error).message).toContain("big.bin 39.1 KiB");
    const report = s.cp.of("too-large")[0]?.body as { size: number; max_bytes: number; biggest: unknown[] };
    expect(report.max_bytes).toBe(20_000);
    expect(report.size).toBeGreaterThan(20_000);
    expect(report.biggest[0]).toEqual({ path: "big.bin", bytes: 40_000 });
    expect(s.cp.of("part")).toEqual([]);
  });
});

describe("checkpoints", () => {
  test("one per interval while files change, none while they do not", async () => {
    const s = await setup();
    const ticks: string[] = [];
    const service = createSnapshotService({
      client: s.client,
      workspaceDir: s.ws,
      scratchDir: join(s.root, "scratch"),
      keepIgnored: false,
      home: [s.homeSource],
      checkpointIntervalMs: 50,
      report: s.report,
      onTick: (t) => ticks.push(t),
    });
    stops.push(() => service.stop());
    await service.startCheckpoints();
    // Nothing changed since the baseline: intervals pass without an upload.
    await waitUntil(() => ticks.filter((t) => t === "unchanged").length >= 2);
    expect(s.cp.of("snapshot-created")).toEqual([]);

    await writeFile(join(s.ws, "README.md"), "edited again\n");
    const first = await s.cp.waitFor((e) => e.kind === "snapshot-verified");
    expect(first.body).toMatchObject({ kind: "checkpoint" });
    const after = ticks.length;
    await waitUntil(() => ticks.slice(after).includes("unchanged"));
    expect(s.cp.of("snapshot-verified")).toHaveLength(1);

    // Claude's conversation grows: that alone is worth a checkpoint.
    await writeFile(join(s.home, ".claude", "projects", "-workspaces-workspace", "session.jsonl"), "more\n", {
      flag: "a",
    });
    await waitUntil(() => s.cp.of("snapshot-verified").length === 2);
    expect(service.lastCheckpoint?.snapshotId).toBe("snap2");
  });
});

test("sleep: a failing control plane is reported and retried until the snapshot is verified", async () => {
  const s = await setup();
  s.cp.faults.createDown = true;
  const service = createSnapshotService({
    client: s.client,
    workspaceDir: s.ws,
    scratchDir: join(s.root, "scratch"),
    keepIgnored: false,
    home: [s.homeSource],
    checkpointIntervalMs: 3_600_000,
    report: s.report,
    retry: { attempts: 2, baseMs: 5, maxMs: 10 },
    sleepRetry: { attempts: Number.POSITIVE_INFINITY, baseMs: 20, maxMs: 50 },
  });
  stops.push(() => service.stop());
  const sleeping = service.sleepSnapshot();
  await waitUntil(() => s.lines.filter((l) => l.startsWith("sleep: Could not save")).length >= 2);
  expect(s.lines.find((l) => l.startsWith("sleep:"))).toMatch(
    /^sleep: Could not save the workspace before sleeping: could not start the snapshot: .*HTTP 503.*nothing is deleted until a snapshot is verified\.$/,
  );
  s.cp.faults.createDown = false;
  const result = await sleeping;
  expect(result).toEqual({ snapshotId: "snap1" });
  expect(s.cp.of("snapshot-verified")).toEqual([
    expect.objectContaining({ body: expect.objectContaining({ kind: "sleep" }) }),
  ]);
});

test("an agent restart does not forget a change made before it", async () => {
  const s = await setup();
  const stateFile = join(s.root, "state", "checkpoint.json");
  const service = (intervalMs: number, ticks: string[]) =>
    createSnapshotService({
      client: s.client,
      workspaceDir: s.ws,
      scratchDir: join(s.root, "scratch"),
      keepIgnored: false,
      home: [s.homeSource],
      checkpointIntervalMs: intervalMs,
      report: s.report,
      stateFile,
      onTick: (t) => ticks.push(t),
    });
  const first = service(3_600_000, []);
  await first.startCheckpoints();
  await writeFile(join(s.ws, "todo.txt"), "written just before a restart\n");
  first.stop();

  const ticks: string[] = [];
  const second = service(50, ticks);
  stops.push(() => second.stop());
  await second.startCheckpoints();
  await waitUntil(() => ticks.length >= 1);
  expect(ticks[0]).toBe("uploaded");
  expect(s.cp.of("snapshot-verified")).toHaveLength(1);
});

async function waitUntil(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}
