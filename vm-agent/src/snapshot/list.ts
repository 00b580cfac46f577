/**
 * Which files of the workspace a snapshot keeps: the whole .git (every ref, the index, stashes,
 * local commits), tracked files as they are now, and untracked files that are not ignored
 * (`git ls-files -co --exclude-standard`), or everything when the workspace keeps ignored files.
 * Parent directories are listed too, so their modes survive.
 */
import { lstat, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { hostGit, spawnOutput } from "./spawn.ts";

export interface Entry {
  /** Relative to the workspace folder, "/"-separated. */
  path: string;
  /** Bytes on disk for a file, 0 for a directory or symlink. */
  size: number;
  dir: boolean;
}

export async function listWorkspace(dir: string, keepIgnored: boolean): Promise<Entry[]> {
  const names = new Set<string>();
  if (keepIgnored) {
    for (const p of await walk(dir)) names.add(p);
  } else {
    const out = await spawnOutput(
      hostGit(dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
      undefined,
      "git ls-files",
    );
    for (const p of new TextDecoder().decode(out).split("\0")) if (p) names.add(p);
    names.add(".git");
    for (const p of await walk(join(dir, ".git"))) names.add(`.git/${p}`);
  }
  // Parent directories of everything kept.
  for (const p of [...names]) {
    for (let d = dirname(p); d !== "." && d !== "/" && !names.has(d); d = dirname(d)) names.add(d);
  }
  const sorted = [...names].sort();
  const entries: Entry[] = [];
  // lstat in batches: a deleted tracked file is listed by git but is not there to keep.
  for (let i = 0; i < sorted.length; i += 256) {
    const batch = sorted.slice(i, i + 256);
    const stats = await Promise.all(batch.map((p) => lstat(join(dir, p)).catch(() => null)));
    batch.forEach((path, j) => {
      const s = stats[j];
      if (!s) return;
      entries.push({ path, size: s.isFile() ? s.size : 0, dir: s.isDirectory() });
    });
  }
  return entries;
}

/**
 * Every path below `root`, relative. Symlinks are entries, never followed (Bun's recursive readdir
 * follows symlinked folders, which would pack pnpm's node_modules twice and break on restore).
 */
export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const rel = pending.pop() ?? "";
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(p);
      if (e.isDirectory()) pending.push(p);
    }
  }
  return out;
}

/**
 * The biggest folders and top-level files, du-like: totals for every entry at depth 1 and
 * directories at depth 2, largest first, plus the home sources' sizes.
 */
export function biggestFolders(
  entries: Entry[],
  extra: Array<{ path: string; bytes: number }> = [],
  limit = 10,
): Array<{ path: string; bytes: number }> {
  const totals = new Map<string, number>();
  const dirs = new Set(entries.filter((e) => e.dir).map((e) => e.path));
  for (const e of entries) {
    if (e.size === 0) continue;
    const parts = e.path.split("/");
    const top = parts[0] ?? e.path;
    totals.set(top, (totals.get(top) ?? 0) + e.size);
    if (parts.length > 2 || (parts.length === 2 && dirs.has(e.path))) {
      const second = `${parts[0]}/${parts[1]}`;
      totals.set(second, (totals.get(second) ?? 0) + e.size);
    }
  }
  return [...totals.entries()]
    .map(([path, bytes]) => ({ path: dirs.has(path) ? `${path}/` : path, bytes }))
    .concat(extra)
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path))
    .slice(0, limit);
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
