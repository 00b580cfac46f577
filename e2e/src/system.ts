// Starts the whole local system exactly as the README's first command does, and stops it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
export const baseUrl = "http://localhost:8787";
export const localCloud = { hetzner: "http://127.0.0.1:8701", cloudflare: "http://127.0.0.1:8702" };

export interface RunningSystem {
  output(): string;
  stop(): Promise<void>;
}

export async function startSystem(env: Record<string, string>): Promise<RunningSystem> {
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/dev.ts")], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the system did not start:\n${output}`)), 150_000);
    const check = setInterval(() => {
      if (output.includes("Berth is running locally")) {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    }, 200);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`scripts/dev.ts exited (${code}):\n${output}`));
    });
  });
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || !child.pid) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    },
  };
}

/** The project's Docker engine (scripts/lib/docker-engine.ts) and the simulated VMs' disks. */
const dockerHost = `unix://${path.join(root, ".state/docker/docker.sock")}`;
const vmDisks = path.join(root, ".state/vms");

/** Containers (any state) the devcontainer CLI made for a workspace on a simulated VM's disk. */
export function vmContainers(): string[] {
  const out = execFileSync(
    "docker",
    [
      "ps",
      "--all",
      "--filter",
      "label=devcontainer.local_folder",
      "--format",
      '{{.ID}} {{.Label "devcontainer.local_folder"}}',
    ],
    { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: "utf8" },
  );
  return out
    .split("\n")
    .filter((line) => line.split(" ")[1]?.startsWith(`${vmDisks}/`))
    .map((line) => line.trim());
}
