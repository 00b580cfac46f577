import type { WorkspaceGit } from "@berth/protocol/agent";
import { type CommandRunner, tail } from "../boot/exec.ts";
import { containerGhScript, containerGitScript, helperCommand, helperValue, originKey } from "./setup.ts";

/** Where the gh wrapper goes: before /usr/local/bin (where images put gh) on Debian's PATH. */
export const ghWrapperDir = "/usr/local/sbin";

/**
 * Configures git in the running devcontainer, as root through `docker exec` (names and paths on
 * the command line, never a token): the credential helper for the workspace's origin (when the
 * agent binary is mounted there), the person's identity, and gh where the image has it.
 * Returns progress lines; nothing here fails the boot.
 */
export async function configureContainerGit(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  containerId: string;
  git: WorkspaceGit;
  /** The agent as the container sees it, or null when it is not mounted there. */
  agentPath: string | null;
  socketPath: string;
  folder: string;
}): Promise<string[]> {
  const origin = originKey(opts.git);
  const helper = opts.agentPath ? helperValue([opts.agentPath], opts.socketPath) : "";
  const exec = (script: string, args: string[]) =>
    opts.run(["docker", "exec", "-u", "root", opts.containerId, "sh", "-c", script, "sh", ...args], {
      env: opts.env,
      timeoutMs: 60_000,
    });
  const r = await exec(containerGitScript, [
    helper && origin ? origin : "",
    helper,
    opts.git.user_name,
    opts.git.user_email,
    opts.folder,
  ]);
  if (r.code !== 0) return [`git is not configured in the container: ${tail(r.stderr || r.stdout, 300)}`];
  const lines: string[] = [];
  if (!helper) lines.push("berth-agent is not mounted in the container: git there has no GitHub credentials");
  else if (!origin) lines.push(`${opts.git.origin} is not an http(s) origin: no credential helper`);
  else lines.push(`Credentials for ${origin} come from berth-agent; commits by ${opts.git.user_name}`);

  if (!opts.agentPath || origin !== "https://github.com") {
    lines.push("gh: not configured (it talks to github.com only)");
    return lines;
  }
  const gh = await exec(containerGhScript, [ghWrapperDir, helperCommand([opts.agentPath], opts.socketPath)]);
  if (gh.code === 0) lines.push("gh: authenticated with the workspace's token");
  else if (gh.code === 4) lines.push("gh: not in the image, skipped");
  else lines.push(`gh: not configured: ${tail(gh.stderr || gh.stdout, 300)}`);
  return lines;
}
