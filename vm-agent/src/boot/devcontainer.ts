import { appendFile, exists, mkdir, readdirWithTypes, readFile, writeFile } from "../sys/files.ts";
import { join } from "../sys/paths.ts";

export const claudeCodeFeature = "ghcr.io/anthropics/devcontainer-features/claude-code:1";
/** Where the agent's socket directory and binary appear inside the container. */
export const containerRunDir = "/run/berth";
export const containerAgentPath = "/usr/local/bin/berth-agent";

/** Used when the repo has no devcontainer of its own. */
export const defaultDevcontainer = {
  name: "Berth workspace",
  image: "mcr.microsoft.com/devcontainers/base:bookworm",
  features: {
    "ghcr.io/devcontainers/features/node:1": {},
    [claudeCodeFeature]: {},
  },
};

/**
 * The default devcontainer on a machine that supplies its own image (local mode): that image
 * carries Node and Claude Code, and the container shares the host's network (the machine's
 * Docker engine has no bridge; the stand-ins listen on loopback).
 */
export function localDefaultDevcontainer(image: string) {
  return { name: "Berth workspace", image, runArgs: ["--network=host"] };
}

/**
 * The repo's devcontainer config, as the devcontainer CLI looks for it: `.devcontainer/
 * devcontainer.json`, `.devcontainer.json`, or `.devcontainer/<name>/devcontainer.json` (the
 * first by name, which then needs `--config`). Null when there is none.
 */
export async function findDevcontainerConfig(
  dir: string,
): Promise<{ path: string; explicit: boolean } | null> {
  for (const p of [".devcontainer/devcontainer.json", ".devcontainer.json"]) {
    if (exists(join(dir, p))) return { path: join(dir, p), explicit: false };
  }
  try {
    const subdirs = (await readdirWithTypes(join(dir, ".devcontainer")))
      .filter((e) => e.isDirectory)
      .map((e) => e.name)
      .sort();
    for (const name of subdirs) {
      const p = join(dir, ".devcontainer", name, "devcontainer.json");
      if (exists(p)) return { path: p, explicit: true };
    }
  } catch {
    // No .devcontainer directory.
  }
  return null;
}

/** Writes the default config and hides it from `git status`, so the person's tree looks clean. */
export async function writeDefaultDevcontainer(
  dir: string,
  config: object = defaultDevcontainer,
): Promise<string> {
  const path = join(dir, ".devcontainer", "devcontainer.json");
  await mkdir(join(dir, ".devcontainer"), { recursive: true });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
  const exclude = join(dir, ".git", "info", "exclude");
  try {
    const current = exists(exclude) ? await readFile(exclude) : "";
    if (!current.includes("/.devcontainer/")) {
      await mkdir(join(dir, ".git", "info"), { recursive: true });
      await appendFile(exclude, "\n# written by berth-agent (default devcontainer)\n/.devcontainer/\n");
    }
  } catch {
    // Cosmetic only.
  }
  return path;
}

export interface DevcontainerArgs {
  workspaceDir: string;
  /** Set when the config is not where the CLI looks by itself. */
  configPath: string | null;
  /** Host directory holding the agent's Unix socket. */
  runDir: string;
  /** Host path of the compiled agent binary, mounted for the hooks; null when not compiled. */
  agentBinary: string | null;
}

/** `devcontainer <subcommand>` for this workspace (and its config, when not found by the CLI). */
export function devcontainerBase(subcommand: string, a: DevcontainerArgs): string[] {
  const args = ["devcontainer", subcommand, "--workspace-folder", a.workspaceDir];
  if (a.configPath) args.push("--config", a.configPath);
  return args;
}

/**
 * `devcontainer up` with Claude Code added as a feature (a no-op when the repo already has it;
 * left out where features cannot be fetched), and the agent's socket directory and binary
 * mounted so Claude's hooks reach the daemon. The lifecycle commands wait for
 * `devcontainerUserCommandsArgs`: the workspace folder must be the container user's first.
 */
export function devcontainerUpArgs(a: DevcontainerArgs, opts: { claudeFeature: boolean }): string[] {
  const args = [...devcontainerBase("up", a), "--skip-post-create"];
  if (opts.claudeFeature) args.push("--additional-features", JSON.stringify({ [claudeCodeFeature]: {} }));
  args.push("--mount", `type=bind,source=${a.runDir},target=${containerRunDir}`);
  if (a.agentBinary) args.push("--mount", `type=bind,source=${a.agentBinary},target=${containerAgentPath}`);
  return args;
}

/** The devcontainer's lifecycle commands (onCreate … postAttach), which `up` skipped. */
export function devcontainerUserCommandsArgs(a: DevcontainerArgs): string[] {
  return devcontainerBase("run-user-commands", a);
}

/**
 * `devcontainer exec`. Nothing secret goes here: every argument is on a command line that any
 * process on the host can read. The workspace's environment comes from its env file.
 */
export function devcontainerExec(a: DevcontainerArgs, command: string[]): string[] {
  return [...devcontainerBase("exec", a), ...command];
}

/** What `devcontainer up` prints on success (its last line of stdout). */
export function parseUpResult(
  stdout: string,
): { containerId: string; remoteUser: string; remoteWorkspaceFolder: string } | null {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.outcome !== "success" || typeof r.containerId !== "string") return null;
    return {
      containerId: r.containerId,
      remoteUser: typeof r.remoteUser === "string" ? r.remoteUser : "root",
      remoteWorkspaceFolder: typeof r.remoteWorkspaceFolder === "string" ? r.remoteWorkspaceFolder : "",
    };
  } catch {
    return null;
  }
}
