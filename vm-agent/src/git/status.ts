import type { HeartbeatRequest } from "@berth/protocol/agent";
import type { CommandRunner } from "../boot/exec.ts";

export type GitStatus = NonNullable<HeartbeatRequest["git"]>;

/**
 * Read-only git, no network: the clone belongs to root on the host and may be used by another
 * user in the container (safe.directory), and nothing may take the index lock from the person.
 */
function gitArgs(dir: string, args: string[]): string[] {
  return ["git", "-c", "safe.directory=*", "-C", dir, ...args];
}

/**
 * The branch, how many commits HEAD has that origin's default branch does not, and whether origin
 * has the branch at HEAD, from what the clone already knows (remote-tracking refs, updated by every
 * push and fetch). Three plumbing commands; null when the directory is no repo or has no commit.
 */
export async function readGitStatus(
  run: CommandRunner,
  dir: string,
  env: Record<string, string> = process.env as Record<string, string>,
): Promise<GitStatus | null> {
  const opts = { env: { ...env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" }, timeoutMs: 10_000 };
  // "<sha>\n<refs/heads/x or HEAD when detached>"
  const head = await run(gitArgs(dir, ["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"]), opts);
  if (head.code !== 0) return null;
  const [sha, full] = head.stdout.trim().split("\n");
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) return null;
  const branch = full?.startsWith("refs/heads/") ? full.slice("refs/heads/".length) : null;

  const refs = await run(
    gitArgs(dir, ["for-each-ref", "--format=%(refname) %(objectname) %(symref)", "refs/remotes/origin/"]),
    opts,
  );
  const remote = new Map<string, { sha: string; symref: string }>();
  if (refs.code === 0) {
    for (const line of refs.stdout.split("\n")) {
      const [name, objectname, symref] = line.split(" ");
      if (name && objectname) remote.set(name, { sha: objectname, symref: symref ?? "" });
    }
  }
  const pushed = branch !== null && remote.get(`refs/remotes/origin/${branch}`)?.sha === sha;

  // origin/HEAD names the default branch (set by the clone); without it, main or master.
  const base =
    remote.get("refs/remotes/origin/HEAD")?.symref ||
    ["refs/remotes/origin/main", "refs/remotes/origin/master"].find((r) => remote.has(r));
  let ahead = 0;
  if (base && remote.get(base)?.sha !== sha) {
    const count = await run(gitArgs(dir, ["rev-list", "--count", `${base}..${sha}`]), opts);
    const n = Number.parseInt(count.stdout.trim(), 10);
    if (count.code === 0 && Number.isSafeInteger(n) && n >= 0) ahead = n;
  }
  return { branch: branch?.slice(0, 255) ?? null, ahead, pushed };
}
