/**
 * Snapshot figures (issue 13), printed, not asserted: for a 100 MB and a 1 GB working tree, the
 * snapshot's size, the pack time, the sleep upload (pack + parts + complete) and the restore
 * throughput (manifest, parts, hashes, unpack), through the agent's real code against the
 * in-test control plane on loopback (no encryption, no R2: the VM's side only).
 *
 *   bun snapshot.ts          100 MB and 1 GB
 *   bun snapshot.ts quick    4 MB and 16 MB (seconds; a step of the test suite)
 *   BENCH_SNAPSHOT_MB=50,200 bun snapshot.ts
 *
 * The tree: 80% varied text (source-like, compresses ~5x), 20% random bytes (media, builds);
 * half of it committed (so .git holds it too), half untracked, one tracked file edited, plus an ignored
 * node_modules of the same size again (left out, as by default).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createControlPlaneClient } from "../vm-agent/src/control-plane/client.ts";
import { dirSource } from "../vm-agent/src/snapshot/home.ts";
import { formatBytes } from "../vm-agent/src/snapshot/list.ts";
import { packSnapshot } from "../vm-agent/src/snapshot/pack.ts";
import { restoreSnapshot } from "../vm-agent/src/snapshot/restore.ts";
import { uploadSnapshot } from "../vm-agent/src/snapshot/upload.ts";
import { snapshotControlPlane } from "../vm-agent/test/snapshot/fake-cp.ts";
import { writeTextFile } from "./util.ts";

const quick = process.argv[2] === "quick";
const sizesMb = (process.env.BENCH_SNAPSHOT_MB ?? (quick ? "4,16" : "100,1024")).split(",").map(Number);
const partSize = 32 * 1024 * 1024;
const token = "cb_bench_0123456789abcdefghij";
const MB = 1024 * 1024;

async function git(cwd: string, ...args: string[]) {
  const p = Bun.spawn(["git", ...args], {
    cwd,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "b",
      GIT_AUTHOR_EMAIL: "b@example.com",
      GIT_COMMITTER_NAME: "b",
      GIT_COMMITTER_EMAIL: "b@example.com",
    },
  });
  if ((await p.exited) !== 0)
    throw new Error(`git ${args.join(" ")}: ${await new Response(p.stderr).text()}`);
}

/** Files of 1-4 MB (a fifth random), until `bytes`; returns their names. */
async function fill(dir: string, bytes: number, seed: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0, total = 0; total < bytes; i++) {
    const size = Math.min(bytes - total, ((((i + seed) * 7919) % 4) + 1) * MB);
    const name = join(dir, `f${i}.${i % 5 === 4 ? "bin" : "txt"}`);
    if (i % 5 === 4) await writeFile(name, randomBytes(size));
    else await writeFile(name, textBytes(size, seed * 100_000 + i));
    names.push(name);
    total += size;
  }
  return names;
}

/** `n` bytes of log-like lines, varied by `seed` so files do not deduplicate. */
function textBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const enc = new TextEncoder();
  for (let off = 0, i = 0; off < n; i++) {
    const line = enc.encode(
      `${seed}:${String(i).padStart(7, "0")} INFO id=${(((i + seed) * 2654435761) >>> 0).toString(16)} path=/api/v1/items/${(i * seed) % 977} status=200 ms=${i % 313}\n`,
    );
    out.set(line.subarray(0, n - off), off);
    off += line.length;
  }
  return out;
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536)
    crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  return out;
}

async function makeTree(root: string, mb: number): Promise<string> {
  const ws = join(root, "workspace");
  await mkdir(ws, { recursive: true });
  await git(ws, "init", "-q", "-b", "main");
  await writeFile(join(ws, ".gitignore"), "node_modules/\n");
  const bytes = mb * MB;
  await fill(join(ws, "src"), bytes / 2, 1);
  await git(ws, "add", "-A");
  await git(ws, "commit", "-q", "-m", "tracked half");
  await fill(join(ws, "work"), bytes / 2, 2);
  // An uncommitted edit of a tracked file.
  await writeFile(join(ws, "src", "f0.txt"), randomBytes(1024), { flag: "a" });
  await fill(join(ws, "node_modules", "pkg"), bytes, 3);
  return ws;
}

async function measure(mb: number) {
  const root = await mkdtemp(join(tmpdir(), "berth-bench-snap-"));
  const cp = snapshotControlPlane({ partSize, maxBytes: 8 * 1024 * MB, token });
  try {
    const ws = await makeTree(root, mb);
    const home = join(root, "home");
    await mkdir(join(home, ".claude", "projects", "p"), { recursive: true });
    await writeTextFile(join(home, ".claude", "projects", "p", "s.jsonl"), 2 * MB, "}\n");
    const source = dirSource("home", home, [".claude"]);
    const client = createControlPlaneClient({ baseUrl: cp.url, workspaceId: "bench" });
    client.setCallbackToken(token);

    const packed = await packSnapshot({
      workspaceDir: ws,
      keepIgnored: false,
      home: [source],
      outFile: join(root, "scratch", "only-pack.tar.zst"),
      maxBytes: 8 * 1024 * MB,
      partSize,
    });
    await rm(packed.file);

    const sleepStarted = performance.now();
    const up = await uploadSnapshot({
      client,
      kind: "sleep",
      pack: (l) =>
        packSnapshot({
          workspaceDir: ws,
          keepIgnored: false,
          home: [source],
          outFile: join(root, "scratch", "sleep.tar.zst"),
          maxBytes: l.maxBytes,
          partSize: l.partSize,
        }),
    });
    const sleepMs = performance.now() - sleepStarted;

    const fresh = join(root, "new-vm");
    const restored = await restoreSnapshot({
      client,
      snapshotId: up.snapshotId,
      workDir: join(fresh, "restore"),
      workspaceDir: join(fresh, "workspace"),
      pendingHomeDir: join(fresh, "restore-home"),
      report: () => {},
    });
    const restoreMs = restored.downloadMs + restored.unpackMs;
    return {
      "working tree (kept), MB": packed.inputBytes / MB,
      "snapshot size, MB": packed.size / MB,
      "pack time, s": packed.ms / 1000,
      "pack input rate, MB/s": packed.inputBytes / MB / (packed.ms / 1000),
      "sleep upload (pack + parts + complete), s": sleepMs / 1000,
      parts: up.parts,
      "restore (download + verify + unpack), s": restoreMs / 1000,
      "  of which download + verify, s": restored.downloadMs / 1000,
      "  of which unpack, s": restored.unpackMs / 1000,
      "restore throughput, snapshot MB/s": restored.size / MB / (restoreMs / 1000),
      "restore throughput, working tree MB/s": packed.inputBytes / MB / (restoreMs / 1000),
    };
  } finally {
    cp.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const results: Array<[number, Record<string, number>]> = [];
for (const mb of sizesMb) {
  console.error(`snapshot bench: ${mb} MB working tree…`);
  results.push([mb, await measure(mb)]);
}
const metrics = Object.keys(results[0]?.[1] ?? {});
console.log(`| metric | ${results.map(([mb]) => `${mb} MB tree`).join(" | ")} |`);
console.log(`| --- | ${results.map(() => "---").join(" | ")} |`);
for (const m of metrics) {
  console.log(`| ${m} | ${results.map(([, r]) => fmt(r[m] ?? Number.NaN)).join(" | ")} |`);
}
const bad = results.flatMap(([, r]) => Object.entries(r)).filter(([, v]) => !Number.isFinite(v));
if (bad.length > 0) {
  console.error(`figures not produced: ${bad.map(([k]) => k).join(", ")}`);
  process.exit(1);
}
console.error(`(part size ${formatBytes(partSize)}; loopback, no encryption)`);

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
