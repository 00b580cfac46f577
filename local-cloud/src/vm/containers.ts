// A simulated VM's Docker: the machine's own engine (scripts/lib/docker-engine.ts), shared by all
// VMs. Each VM's devcontainers are the ones whose workspace folder lies on its disk, so deleting a
// VM removes them, as deleting a real one would.
import { execFile } from "node:child_process";
import path from "node:path";

export interface VmDocker {
  /** DOCKER_HOST of the engine the VMs' agents use. */
  host: string;
  /** The image a repo without a devcontainer gets (local mode's workspace image). */
  defaultImage?: string;
}

/** Where the devcontainer CLI this package depends on is installed. */
export const devcontainerCliBin = path.resolve(import.meta.dirname, "../../node_modules/.bin");

/** What an agent on a simulated VM needs in its environment to use the engine. */
export function dockerEnv(docker: VmDocker, basePath = process.env.PATH ?? ""): Record<string, string> {
  const env: Record<string, string> = {
    DOCKER_HOST: docker.host,
    PATH: `${devcontainerCliBin}:${basePath}`,
  };
  if (docker.defaultImage) env.DEFAULT_DEVCONTAINER_IMAGE = docker.defaultImage;
  return env;
}

function docker(host: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      args,
      { env: { ...process.env, DOCKER_HOST: host }, timeout: 60_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/** Ids of the containers the devcontainer CLI started for workspaces under `dir`. */
export async function containersUnder(host: string, dir: string): Promise<string[]> {
  const out = await docker(host, [
    "ps",
    "--all",
    "--filter",
    "label=devcontainer.local_folder",
    "--format",
    '{{.ID}} {{.Label "devcontainer.local_folder"}}',
  ]);
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return out
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([id, folder]) => id && folder && (folder === dir || folder.startsWith(prefix)))
    .map(([id]) => id as string);
}

/** Stops (power off, crash) or removes (delete) a VM's containers. */
export async function containersDown(host: string, dir: string, how: "stop" | "remove"): Promise<number> {
  const ids = await containersUnder(host, dir);
  if (ids.length === 0) return 0;
  await docker(host, how === "remove" ? ["rm", "--force", "--volumes", ...ids] : ["stop", "-t", "0", ...ids]);
  return ids.length;
}
