import type { TaskFileChange } from "@berth/protocol/agent";
import { type CommandRunner, tail } from "../boot/exec.ts";
import type { TaskRuntime } from "./runtime.ts";

/**
 * The task's git: reads on the host (no locks taken, as git/status.ts), changes in the runtime, where
 * the person's identity and the credential helper are configured (as for Claude's own commits).
 */
export class TaskGit {
  private readonly run: CommandRunner;
  private readonly runtime: TaskRuntime;
  private readonly dir: string;
  private readonly env: Record<string, string>;

  constructor(opts: { run: CommandRunner; runtime: TaskRuntime; dir: string; env: Record<string, string> }) {
    this.run = opts.run;
    this.runtime = opts.runtime;
    this.dir = opts.dir;
    this.env = { ...opts.env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" };
  }

  /** Read-only git on the host clone. */
  read(args: string[]) {
    return this.run(["git", "-c", "safe.directory=*", "-C", this.dir, ...args], {
      env: this.env,
      timeoutMs: 30_000,
    });
  }

  /** git in the runtime (network and writes); never prompts for a password. */
  change(args: string[], timeoutMs = 120_000, input?: string) {
    const argv = this.runtime.wrap([
      "env",
      "GIT_TERMINAL_PROMPT=0",
      "git",
      "-C",
      this.runtime.folder,
      ...args,
    ]);
    return this.run(argv, { cwd: this.runtime.cwd, env: this.runtime.env, timeoutMs, input });
  }

  /** The checked-out branch, or null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const r = await this.read(["symbolic-ref", "--quiet", "--short", "HEAD"]);
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  }

  async sha(ref: string): Promise<string | null> {
    const r = await this.read(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    const sha = r.stdout.trim();
    return r.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  }

  /**
   * Switches to `branch`: the local one when it exists (a restart, a later turn), else a new one from
   * origin's base branch (fetched when the clone lacks it), origin's default, or HEAD. Returns the
   * base's commit (what `commits` counts from), or throws with the reason.
   */
  async switchToBranch(branch: string, baseBranch: string | null): Promise<string | null> {
    const current = (await this.read(["symbolic-ref", "--quiet", "--short", "HEAD"])).stdout.trim();
    const base = await this.baseRef(baseBranch);
    if (await this.sha(`refs/heads/${branch}`)) {
      if (current !== branch) await this.must(["switch", "-q", branch], `cannot switch to ${branch}`);
      return base;
    }
    const start = base ?? (await this.sha("HEAD"));
    if (!start) throw new Error("the repository has no commit to start from");
    await this.must(["switch", "-q", "--no-track", "-c", branch, start], `cannot create ${branch}`);
    return base;
  }

  private async baseRef(baseBranch: string | null): Promise<string | null> {
    if (baseBranch === null) return (await this.sha("refs/remotes/origin/HEAD")) ?? (await this.sha("HEAD"));
    const remote = `refs/remotes/origin/${baseBranch}`;
    let sha = await this.sha(remote);
    if (!sha) {
      await this.change(["fetch", "-q", "origin", `+refs/heads/${baseBranch}:${remote}`]);
      sha = await this.sha(remote);
    }
    sha ??= await this.sha(`refs/heads/${baseBranch}`);
    if (!sha) throw new Error(`the base branch ${baseBranch} does not exist`);
    return sha;
  }

  private async must(args: string[], what: string): Promise<void> {
    const r = await this.change(args);
    if (r.code !== 0) throw new Error(`${what}: ${tail(r.stderr || r.stdout, 300)}`);
  }

  /** Commits everything left in the working tree; false when there was nothing. */
  async commitAll(message: string): Promise<{ ok: true; committed: boolean } | { ok: false; error: string }> {
    const status = await this.read(["status", "--porcelain", "--untracked-files=all"]);
    if (status.code === 0 && status.stdout.trim() === "") return { ok: true, committed: false };
    const add = await this.change(["add", "-A"]);
    if (add.code !== 0) return { ok: false, error: `git add failed: ${tail(add.stderr || add.stdout, 300)}` };
    // The message quotes the prompt: on stdin, like the prompt itself, never on a command line.
    const commit = await this.change(["commit", "-q", "-F", "-"], 120_000, message);
    if (commit.code !== 0)
      return { ok: false, error: `git commit failed: ${tail(commit.stderr || commit.stdout, 300)}` };
    return { ok: true, committed: true };
  }

  async push(branch: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const push = () =>
      this.change(["push", "-q", "-u", "origin", `refs/heads/${branch}:refs/heads/${branch}`], 10 * 60_000);
    let r = await push();
    // A token the server refused (revoked, or expired before its time) is dropped by the credential
    // helper when git says so, but git has failed by then: the next push asks for a fresh one.
    if (r.code !== 0 && /Authentication failed/i.test(r.stderr)) r = await push();
    return r.code === 0
      ? { ok: true }
      : { ok: false, error: `git push failed: ${tail(r.stderr || r.stdout, 500)}` };
  }

  /** Commits on HEAD that `base` does not have. */
  async commitsSince(base: string | null): Promise<number> {
    const r = await this.read(["rev-list", "--count", base ? `${base}..HEAD` : "HEAD"]);
    const n = Number.parseInt(r.stdout.trim(), 10);
    return r.code === 0 && Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  /** The working tree's changes against HEAD (untracked files included). */
  async changes(): Promise<Map<string, TaskFileChange["change"]>> {
    const r = await this.read(["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
    const out = new Map<string, TaskFileChange["change"]>();
    if (r.code !== 0) return out;
    const parts = r.stdout.split("\0");
    for (let i = 0; i < parts.length; i++) {
      const entry = parts[i] ?? "";
      if (entry.length < 4) continue;
      const xy = entry.slice(0, 2);
      const path = entry.slice(3);
      if (xy.includes("R") || xy.includes("C")) i++; // the original path follows
      out.set(path, changeOf(xy));
    }
    return out;
  }
}

function changeOf(xy: string): TaskFileChange["change"] {
  if (xy === "??" || xy.includes("A")) return "added";
  if (xy.includes("D")) return "deleted";
  if (xy.includes("R")) return "renamed";
  return "modified";
}
