import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A commit as the control surface reports it, so tests can assert what was pushed. */
export interface CommitInfo {
  sha: string;
  parents: string[];
  author_name: string;
  author_email: string;
  committer_name: string;
  committer_email: string;
  /** ISO 8601 */
  author_date: string;
  message: string;
}

export interface NewCommit {
  /** Path (may contain "/") -> content. */
  files: Record<string, string>;
  message: string;
  author: { name: string; email: string };
}

/**
 * The stand-in's repositories: real bare git repositories under `root`, one per owner/name
 * (lowercased, as GitHub's names are case-insensitive): `<root>/<owner>/<name>.git`.
 * Every git command runs without the user's or system's configuration.
 */
export class GitStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
    mkdirSync(root, { recursive: true });
  }

  /** The path git http-backend serves it under, relative to `root`: "/alice/notes.git". */
  relPath(owner: string, name: string): string {
    return `/${owner.toLowerCase()}/${name.toLowerCase()}.git`;
  }

  dir(owner: string, name: string): string {
    return join(this.root, this.relPath(owner, name));
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.root,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      LANG: "C",
      // Dates in UTC, so they print the way GitHub writes them (2026-01-01T00:00:00Z).
      TZ: "UTC",
      ...extra,
    };
  }

  private gitSync(gitDir: string, args: string[], env: Record<string, string> = {}, input?: string): string {
    return execFileSync("git", ["--git-dir", gitDir, ...args], {
      env: this.env(env),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      ...(input !== undefined ? { input } : {}),
    }).trim();
  }

  private async git(owner: string, name: string, args: string[]): Promise<string> {
    const { stdout } = await run("git", ["--git-dir", this.dir(owner, name), ...args], {
      env: this.env(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  /** Creates an empty bare repository whose HEAD names `defaultBranch`. */
  init(owner: string, name: string, defaultBranch: string): void {
    const dir = this.dir(owner, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    execFileSync("git", ["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, dir], {
      env: this.env(),
      stdio: "ignore",
    });
    // Pushes may be large; a crashed push must not leave the repository unusable.
    this.gitSync(dir, ["config", "receive.denyNonFastForwards", "false"]);
  }

  remove(owner: string, name: string): void {
    rmSync(this.dir(owner, name), { recursive: true, force: true });
  }

  /**
   * Commits `files` on top of `branch` (or of `from` when the branch does not exist yet, or as a
   * root commit), without a working tree: a temporary index and directory. Returns the new sha.
   */
  commit(owner: string, name: string, branch: string, c: NewCommit, from?: string): string {
    const gitDir = this.dir(owner, name);
    const tmp = mkdtempSync(join(this.root, ".commit-"));
    try {
      const index = { GIT_INDEX_FILE: join(tmp, ".index") };
      const work = join(tmp, "tree");
      mkdirSync(work);
      const parent = this.headSync(owner, name, branch) ?? (from ? this.headSync(owner, name, from) : null);
      if (parent) this.gitSync(gitDir, ["read-tree", parent], index);
      for (const [path, content] of Object.entries(c.files)) {
        const file = join(work, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      const paths = Object.keys(c.files);
      // Nothing to change on a new branch: it is just created at its starting point.
      if (paths.length === 0 && parent && !this.headSync(owner, name, branch)) {
        this.gitSync(gitDir, ["update-ref", `refs/heads/${branch}`, parent]);
        return parent;
      }
      if (paths.length) this.gitSync(gitDir, ["--work-tree", work, "add", "--", ...paths], index);
      const tree = this.gitSync(gitDir, ["write-tree"], index);
      const who = {
        GIT_AUTHOR_NAME: c.author.name,
        GIT_AUTHOR_EMAIL: c.author.email,
        GIT_COMMITTER_NAME: c.author.name,
        GIT_COMMITTER_EMAIL: c.author.email,
      };
      const sha = this.gitSync(
        gitDir,
        ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-F", "-"],
        who,
        c.message,
      );
      this.gitSync(gitDir, ["update-ref", `refs/heads/${branch}`, sha]);
      return sha;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  headSync(owner: string, name: string, branch: string): string | null {
    try {
      return this.gitSync(this.dir(owner, name), [
        "rev-parse",
        "--verify",
        "--quiet",
        `refs/heads/${branch}^{commit}`,
      ]);
    } catch {
      return null;
    }
  }

  async head(owner: string, name: string, branch: string): Promise<string | null> {
    if (!isBranchName(branch)) return null;
    try {
      return (
        await this.git(owner, name, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`])
      ).trim();
    } catch {
      return null;
    }
  }

  /** Commits reachable from `rev`, newest first (at most `max`). */
  async log(owner: string, name: string, rev: string, max = 100): Promise<CommitInfo[]> {
    const format = ["%H", "%P", "%an", "%ae", "%cn", "%ce", "%ad", "%B"].join("%x00");
    const out = await this.git(owner, name, [
      "log",
      `--max-count=${max}`,
      "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
      `--format=${format}%x1e`,
      rev,
      "--",
    ]);
    return out
      .split("\x1e")
      .map((s) => s.replace(/^\n/, ""))
      .filter(Boolean)
      .map((rec) => {
        const [sha = "", parents = "", an = "", ae = "", cn = "", ce = "", date = "", ...msg] =
          rec.split("\0");
        return {
          sha,
          parents: parents.split(" ").filter(Boolean),
          author_name: an,
          author_email: ae,
          committer_name: cn,
          committer_email: ce,
          author_date: date,
          message: msg.join("\0").replace(/\n$/, ""),
        };
      });
  }

  /** How many commits `head` has that `base` lacks (GitHub's "ahead_by"). */
  async aheadBy(owner: string, name: string, base: string, head: string): Promise<number> {
    const out = await this.git(owner, name, ["rev-list", "--count", `${base}..${head}`]);
    return Number(out.trim());
  }

  async diffStat(
    owner: string,
    name: string,
    base: string,
    head: string,
  ): Promise<{ additions: number; deletions: number; changed_files: number }> {
    const out = await this.git(owner, name, ["diff", "--numstat", `${base}...${head}`]);
    const stat = { additions: 0, deletions: 0, changed_files: 0 };
    for (const line of out.split("\n").filter(Boolean)) {
      const [a, d] = line.split("\t");
      stat.additions += Number(a) || 0;
      stat.deletions += Number(d) || 0;
      stat.changed_files += 1;
    }
    return stat;
  }

  async branches(owner: string, name: string): Promise<string[]> {
    const out = await this.git(owner, name, ["for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/"]);
    return out.split("\n").filter(Boolean);
  }
}

/** What git accepts as a branch name (a cheap subset of check-ref-format), so no option sneaks in. */
export function isBranchName(b: string): boolean {
  return (
    /^[A-Za-z0-9._/-]+$/.test(b) &&
    !b.startsWith("-") &&
    !b.startsWith("/") &&
    !b.endsWith("/") &&
    !b.endsWith(".lock") &&
    !b.includes("..") &&
    !b.includes("//")
  );
}
