import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dirSource } from "../../src/snapshot/home.ts";
import { packSnapshot, SnapshotTooLargeError } from "../../src/snapshot/pack.ts";
import { unpackSnapshot } from "../../src/snapshot/unpack.ts";
import { makeWorkspace, sh, tree } from "./fixture.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "berth-snap-"));
  dirs.push(d);
  return d;
}

const homeItems = [".claude", ".claude.json", ".bash_history", ".zsh_history"];

async function roundTrip(keepIgnored: boolean) {
  const root = await tmp();
  const { ws, home } = await makeWorkspace(root);
  const source = dirSource("home", home, homeItems);
  const before = { ws: await tree(ws), home: await tree(home) };
  const packed = await packSnapshot({
    workspaceDir: ws,
    keepIgnored,
    home: [source],
    outFile: join(root, "out", "snap.tar.zst"),
    maxBytes: 10 * 1024 * 1024,
    partSize: 1000,
  });
  const bytes = await readFile(packed.file);
  expect(packed.size).toBe(bytes.length);
  expect(packed.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  // Parts cover the archive in order, each hashed on its own.
  expect(packed.parts.map((p) => p.n)).toEqual(packed.parts.map((_, i) => i));
  expect(packed.parts.reduce((n, p) => n + p.size, 0)).toBe(packed.size);
  for (const p of packed.parts) {
    const slice = bytes.subarray(p.n * 1000, p.n * 1000 + p.size);
    expect(p.sha256).toBe(createHash("sha256").update(slice).digest("hex"));
  }
  // The person's home is gone with the VM; the snapshot brings it back.
  await rm(home, { recursive: true });
  const un = await unpackSnapshot(packed.file, join(root, "restored"));
  await source.restore(join(un.homeDir, "home.tar"));
  return { root, ws, home, before, restoredWs: un.workspaceDir, meta: un.meta };
}

describe("pack and unpack", () => {
  test("restores the work byte for byte, without ignored files by default", async () => {
    const r = await roundTrip(false);
    const after = await tree(r.restoredWs);
    const expected = await tree(r.ws, ["node_modules", "dist"]);
    expect(after).toEqual(expected);
    expect(after.node_modules).toBeUndefined();
    expect(after["run.sh"]?.mode).toBe(0o755);
    expect(after["notes with space.txt"]?.mode).toBe(0o600);
    expect(after["link-to-a"]).toEqual({ type: "symlink", mode: 0, content: "src/deep/a.ts" });
    expect(await tree(r.home)).toEqual(r.before.home);
    expect(r.meta.keep_ignored).toBe(false);
    // Git sees exactly the same state: the edit, the staged change, the untracked file, the stash
    // and the local commit.
    for (const args of [
      ["status", "--porcelain=v2", "--branch"],
      ["stash", "list"],
      ["log", "--oneline", "--all"],
      ["diff"],
      ["diff", "--cached"],
    ]) {
      expect(await sh(r.restoredWs, "git", ...args)).toBe(await sh(r.ws, "git", ...args));
    }
    expect(await sh(r.restoredWs, "git", "stash", "list")).toContain("my stash");
  });

  test("keeps ignored files when the workspace asks for it", async () => {
    const r = await roundTrip(true);
    expect(await tree(r.restoredWs)).toEqual(r.before.ws);
    expect(await readFile(join(r.restoredWs, "node_modules", "pkg", "index.js"), "utf8")).toBe(
      "module.exports = 1;\n",
    );
    expect(r.meta.keep_ignored).toBe(true);
  });

  test("over the cap: fails naming the biggest folders, and leaves no archive", async () => {
    const root = await tmp();
    const { ws, home } = await makeWorkspace(root);
    // Incompressible data in an untracked folder.
    await sh(ws, "mkdir", "-p", "assets/videos");
    await writeFile(join(ws, "assets", "videos", "big.bin"), crypto.getRandomValues(new Uint8Array(60_000)));
    await writeFile(join(ws, "assets", "small.bin"), crypto.getRandomValues(new Uint8Array(20_000)));
    const outFile = join(root, "out", "snap.tar.zst");
    const err = await packSnapshot({
      workspaceDir: ws,
      keepIgnored: false,
      home: [dirSource("home", home, homeItems)],
      outFile,
      maxBytes: 50_000,
      partSize: 1000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotTooLargeError);
    const e = err as SnapshotTooLargeError;
    expect(e.report.max_bytes).toBe(50_000);
    expect(e.report.size).toBeGreaterThan(50_000);
    expect(e.report.biggest[0]).toEqual({ path: "assets/", bytes: 80_000 });
    expect(e.report.biggest[1]).toEqual({ path: "assets/videos/", bytes: 60_000 });
    expect(e.message).toContain("over the 48.8 KiB cap");
    expect(e.message).toContain("assets/ 78.1 KiB");
    expect(await Bun.file(outFile).exists()).toBe(false);
  });
});
