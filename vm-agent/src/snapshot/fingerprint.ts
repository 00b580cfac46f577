/**
 * A cheap "did anything worth a checkpoint change?" marker: git's view of the tree (status with
 * the branch head, every ref including the stash), the size and mtime of every changed or
 * untracked file (a second edit of an already modified file changes no status line), and the
 * home sources' file list with sizes and mtimes (Claude's conversation, shell history).
 */
import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import type { HomeSource } from "./home.ts";
import { hostGit, spawnOutput } from "./spawn.ts";

export async function workspaceFingerprint(dir: string, home: HomeSource[]): Promise<string> {
  const h = createHash("sha256");
  // --no-optional-locks: a status never rewrites the index while the person works.
  const status = await spawnOutput(
    hostGit(
      dir,
      "--no-optional-locks",
      "status",
      "--porcelain=v2",
      "--branch",
      "-z",
      "--untracked-files=all",
    ),
    undefined,
    "git status",
  );
  h.update(status);
  h.update(await spawnOutput(hostGit(dir, "for-each-ref", "--format=%(refname) %(objectname)")));
  for (const path of changedPaths(new TextDecoder().decode(status))) {
    const s = await lstat(join(dir, path)).catch(() => null);
    h.update(`${path}\0${s ? `${s.size}:${s.mtimeMs}` : "-"}\0`);
  }
  for (const source of home) h.update(`${source.name}\0${await source.fingerprint()}\0`);
  return h.digest("hex");
}

/** Paths named by `git status --porcelain=v2 -z` (renames: the new path). */
export function changedPaths(status: string): string[] {
  const records = status.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i] ?? "";
    // Fields before the path: "1" has 8, "2" has 9 (then the original path as its own record),
    // "u" has 10; "?" and "!" have 1.
    const fields =
      r[0] === "1" ? 8 : r[0] === "2" ? 9 : r[0] === "u" ? 10 : r[0] === "?" || r[0] === "!" ? 1 : 0;
    if (fields === 0) continue;
    paths.push(r.split(" ").slice(fields).join(" "));
    if (r[0] === "2") i++;
  }
  return paths;
}
