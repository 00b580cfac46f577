import { exists, rm } from "../sys/files.ts";
import { join } from "../sys/paths.ts";
import { type CommandRunner, redactUrl, tail } from "./exec.ts";

export class BootError extends Error {
  readonly step: string;
  constructor(step: string, message: string) {
    super(message);
    this.name = "BootError";
    this.step = step;
  }
}

/**
 * Clones the repo into `dir`. A clone left by an earlier run (agent restart) is kept as it is:
 * it may hold the person's uncommitted work. A half-finished clone (no .git) is removed first.
 */
export async function cloneRepo(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  repoUrl: string;
  branch: string | null;
  dir: string;
  /** `-c` options before `clone` (the credential helper for App repos); never a secret. */
  gitConfig?: string[];
  report(step: string, message: string): void;
}): Promise<"cloned" | "existing"> {
  const shown = redactUrl(opts.repoUrl);
  if (exists(join(opts.dir, ".git"))) {
    opts.report("clone", `Using the existing clone of ${shown}`);
    return "existing";
  }
  await rm(opts.dir, { recursive: true, force: true });
  const branch = opts.branch ? ["--branch", opts.branch] : [];
  opts.report("clone", `Cloning ${shown}${opts.branch ? ` (branch ${opts.branch})` : ""}`);
  const started = Date.now();
  const r = await opts.run(
    ["git", ...(opts.gitConfig ?? []), "clone", ...branch, "--", opts.repoUrl, opts.dir],
    {
      // A private repo without credentials must fail, not wait for a password forever.
      env: { ...opts.env, GIT_TERMINAL_PROMPT: "0" },
      timeoutMs: 15 * 60_000,
    },
  );
  if (r.code !== 0) {
    throw new BootError(
      "clone",
      `git clone failed (exit ${r.code}): ${tail(r.stderr.replaceAll(opts.repoUrl, shown))}`,
    );
  }
  opts.report("clone", `Cloned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return "cloned";
}
