import { stat } from "node:fs/promises";
import { type CommandRunner, tail } from "./exec.ts";

/**
 * The agent runs as root and clones as root, but most devcontainers' user is not root (vscode,
 * node: uid 1000). The devcontainer CLI only maps that user to the host's uid when the host's is
 * not 0, so without this the person could not write a file in their own workspace, nor could the
 * lifecycle commands (`npm install` in postCreateCommand). Runs after the container is up and
 * before its lifecycle commands.
 *
 * A folder that is already theirs (an agent restart, a wake: the snapshot keeps numeric owners)
 * is left as it is.
 */
export async function giveWorkspaceTo(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  containerId: string;
  user: string;
  dir: string;
  report(step: string, message: string): void;
}): Promise<void> {
  if (opts.user === "root" || opts.user === "0") return;
  const ids = await opts.run(
    ["docker", "exec", "-u", opts.user, opts.containerId, "sh", "-c", "id -u; id -g"],
    { env: opts.env, timeoutMs: 60_000 },
  );
  const [uid, gid] = ids.stdout.trim().split("\n").map(Number);
  if (ids.code !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    opts.report(
      "container",
      `Cannot tell ${opts.user}'s uid in the container; the workspace folder stays root's: ${tail(ids.stderr, 300)}`,
    );
    return;
  }
  if (uid === 0 || (await stat(opts.dir)).uid === uid) return;
  // -h: symlinks themselves, never what they point at (a link out of the workspace stays root's).
  const r = await opts.run(["chown", "-R", "-h", `${uid}:${gid}`, opts.dir], {
    env: opts.env,
    timeoutMs: 15 * 60_000,
  });
  opts.report(
    "container",
    r.code === 0
      ? `The workspace folder belongs to ${opts.user} (uid ${uid})`
      : `Could not give the workspace folder to ${opts.user}: ${tail(r.stderr || r.stdout, 300)}`,
  );
}
