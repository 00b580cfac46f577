/**
 * Packs a workspace into one snapshot archive, streamed to a file: zstd over a tar made by the
 * system's GNU tar (modes, symlinks, numeric owners, long names), in two concatenated parts:
 *   workspace/...            the files listed by list.ts
 *   berth/meta.json          what this archive holds
 *   berth/home/<name>.tar    each home source (Claude Code's state, shell history)
 * Extraction reads both parts with --ignore-zeros. The archive's SHA-256 and the SHA-256 of each
 * part_size slice are computed on the way, so nothing is read twice. Over max_bytes, packing stops
 * and the error names the biggest folders: an archive is never truncated.
 */
import { createHash, type Hash } from "node:crypto";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createZstdCompress } from "node:zlib";
import type { SnapshotPart, SnapshotTooLarge } from "@berth/protocol/agent";
import type { HomeSource } from "./home.ts";
import { biggestFolders, type Entry, formatBytes, listWorkspace } from "./list.ts";
import { drained, SnapshotError, tailText } from "./spawn.ts";

export const archiveFormat = 1;

export interface PackOptions {
  workspaceDir: string;
  /** The workspace setting: keep git-ignored files too. */
  keepIgnored: boolean;
  home: HomeSource[];
  outFile: string;
  /** Over this many (compressed) bytes, packing fails with SnapshotTooLargeError. */
  maxBytes: number;
  /** Each slice of this size gets its own hash (the upload's parts). */
  partSize: number;
}

export interface Packed {
  file: string;
  size: number;
  sha256: string;
  parts: SnapshotPart[];
  /** Workspace entries kept, and their bytes before compression. */
  entries: number;
  inputBytes: number;
  ms: number;
}

export interface ArchiveMeta {
  format: number;
  created_at: string;
  keep_ignored: boolean;
  home: Array<{ name: string; label: string }>;
  /**
   * The workspace folder's own owner and mode (tar keeps those of what is inside it). In a
   * devcontainer whose user is not root the folder is that user's; a wake gives it back.
   */
  workspace?: { uid: number; gid: number; mode: number };
}

export class SnapshotTooLargeError extends SnapshotError {
  override name = "SnapshotTooLargeError";
  readonly report: SnapshotTooLarge;
  constructor(report: SnapshotTooLarge) {
    super(tooLargeMessage(report));
    this.report = report;
  }
}

export function tooLargeMessage(r: SnapshotTooLarge): string {
  const biggest = r.biggest.map((b) => `${b.path} ${formatBytes(b.bytes)}`).join(", ");
  return (
    `The snapshot is over the ${formatBytes(r.max_bytes)} cap (more than ${formatBytes(r.size)} compressed); ` +
    `nothing was uploaded. Biggest folders: ${biggest || "none"}. Delete what you do not need, or git-ignore it.`
  );
}

export async function packSnapshot(opts: PackOptions): Promise<Packed> {
  const started = performance.now();
  const stage = `${opts.outFile}.stage`;
  await rm(stage, { recursive: true, force: true });
  await mkdir(join(stage, "berth", "home"), { recursive: true });
  await mkdir(dirname(opts.outFile), { recursive: true });
  try {
    const entries = await listWorkspace(opts.workspaceDir, opts.keepIgnored);
    const homeSizes: Array<{ path: string; bytes: number }> = [];
    for (const h of opts.home) {
      const file = join(stage, "berth", "home", `${h.name}.tar`);
      await h.capture(file);
      homeSizes.push({ path: h.label, bytes: (await stat(file)).size });
    }
    const top = await stat(opts.workspaceDir);
    const meta: ArchiveMeta = {
      format: archiveFormat,
      created_at: new Date().toISOString(),
      keep_ignored: opts.keepIgnored,
      home: opts.home.map((h) => ({ name: h.name, label: h.label })),
      workspace: { uid: top.uid, gid: top.gid, mode: top.mode & 0o7777 },
    };
    await writeFile(join(stage, "berth", "meta.json"), `${JSON.stringify(meta)}\n`);
    const tars = [
      workspaceTar(opts.workspaceDir, entries),
      { argv: tarCreate(["berth"]), cwd: stage, input: null },
    ];
    const out = await compressTo(tars, opts).catch(async (err: unknown) => {
      await rm(opts.outFile, { force: true });
      throw err;
    });
    if (out === "too large") {
      await rm(opts.outFile, { force: true });
      const bytes = opts.maxBytes + 1;
      throw new SnapshotTooLargeError({
        size: bytes,
        max_bytes: opts.maxBytes,
        biggest: biggestFolders(entries, homeSizes),
      });
    }
    return {
      file: opts.outFile,
      ...out,
      entries: entries.length,
      inputBytes: entries.reduce((n, e) => n + e.size, 0) + homeSizes.reduce((n, h) => n + h.bytes, 0),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

interface TarRun {
  argv: string[];
  cwd: string;
  /** NUL-separated names on stdin, or null. */
  input: string | null;
}

const tarCreate = (names: string[]) => ["tar", "-c", "-f", "-", "--numeric-owner", "--", ...names];

function workspaceTar(dir: string, entries: Entry[]): TarRun {
  return {
    argv: [
      "tar",
      "-c",
      "-f",
      "-",
      "--numeric-owner",
      "--no-recursion",
      "--null",
      "--verbatim-files-from",
      "--files-from=-",
      // A file deleted between listing and packing is skipped, not an error.
      "--ignore-failed-read",
      // Names (and hard link targets) under workspace/; symlink targets stay as they are.
      "--transform=s,^,workspace/,S",
    ],
    cwd: dir,
    input: entries.map((e) => `${e.path}\0`).join(""),
  };
}

/** Streams the tars, in order, through zstd into the file; "too large" once over the cap. */
async function compressTo(
  tars: TarRun[],
  opts: PackOptions,
): Promise<{ size: number; sha256: string; parts: SnapshotPart[] } | "too large"> {
  const z = createZstdCompress({ chunkSize: 1 << 20 });
  let aborted = false;
  let current: ReturnType<typeof Bun.spawn> | null = null;
  const feed = async () => {
    for (const t of tars) {
      if (aborted) return;
      const proc = Bun.spawn(t.argv, {
        cwd: t.cwd,
        stdin: t.input === null ? "ignore" : new Blob([t.input]),
        stdout: "pipe",
        stderr: "pipe",
      });
      current = proc;
      const stderr = new Response(proc.stderr as ReadableStream).text();
      for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
        if (aborted) break;
        if (!z.write(chunk)) await drained(z);
      }
      const code = await proc.exited;
      if (aborted) return;
      // 1: a file changed or vanished while it was read (a live workspace); the archive is whole.
      if (code !== 0 && code !== 1) {
        const why = tailText(await stderr);
        z.destroy(new SnapshotError(`tar failed (exit ${code}): ${why}`));
        return;
      }
    }
    z.end();
  };

  const sink = Bun.file(opts.outFile).writer();
  const whole = createHash("sha256");
  const parts: SnapshotPart[] = [];
  let part: Hash = createHash("sha256");
  let partBytes = 0;
  let size = 0;
  const closePart = () => {
    parts.push({ n: parts.length, size: partBytes, sha256: part.digest("hex") });
    part = createHash("sha256");
    partBytes = 0;
  };
  const consume = async (): Promise<boolean> => {
    for await (const c of z as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > opts.maxBytes) {
        aborted = true;
        (current as ReturnType<typeof Bun.spawn> | null)?.kill("SIGKILL");
        z.destroy();
        return false;
      }
      whole.update(c);
      sink.write(c);
      for (let off = 0; off < c.length; ) {
        const take = Math.min(c.length - off, opts.partSize - partBytes);
        part.update(c.subarray(off, off + take));
        partBytes += take;
        off += take;
        if (partBytes === opts.partSize) closePart();
      }
    }
    return true;
  };
  try {
    const [fits] = await Promise.all([consume(), feed()]);
    if (!fits) return "too large";
  } finally {
    await sink.end();
  }
  if (partBytes > 0 || parts.length === 0) closePart();
  return { size, sha256: whole.digest("hex"), parts };
}
