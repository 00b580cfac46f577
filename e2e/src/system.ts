// Starts the whole local system exactly as the README's first command does, and stops it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
export const baseUrl = "http://localhost:8787";
export const localCloud = { hetzner: "http://127.0.0.1:8701", cloudflare: "http://127.0.0.1:8702" };

export interface RunningSystem {
  output(): string;
  stop(): Promise<void>;
}

/** The last system's output, for reading after a run (the VMs' boot lines are in it). */
export const systemLog = path.join(root, ".state/e2e-system.log");

export async function startSystem(env: Record<string, string>): Promise<RunningSystem> {
  let output = "";
  mkdirSync(path.dirname(systemLog), { recursive: true });
  writeFileSync(systemLog, "");
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/dev.ts")], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const collect = (d: Buffer) => {
    output += d.toString();
    appendFileSync(systemLog, d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
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

/** The project's Docker engine (scripts/lib/docker-engine.ts) and the VMs' disks. */
const dockerHost = `unix://${path.join(root, ".state/docker/docker.sock")}`;
const vmDisks = path.join(root, ".state/vms");
/** The label local-cloud puts on a VM's container and its devcontainers (systemd-machine.ts: ownerKey). */
const vmOwner = `berth.vm.owner=${createHash("sha256").update(vmDisks).digest("hex").slice(0, 10)}`;

function docker(args: string[]): string {
  return execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: "utf8" });
}

/** Containers (any state) of the local VMs: the VMs themselves and the devcontainers they made. */
export function vmContainers(): string[] {
  return docker(["ps", "--all", "--filter", `label=${vmOwner}`, "--format", "{{.ID}} {{.Names}}"])
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Runs a command inside the VM of a Hetzner server (as `ssh root@vm` would); its stdout. */
export function vmExec(serverId: number, argv: string[]): string {
  const [name] = docker([
    "ps",
    "--filter",
    `label=${vmOwner}`,
    "--filter",
    `name=^berth-vm-.*-${serverId}$`,
    "--format",
    "{{.Names}}",
  ]).split("\n");
  if (!name) throw new Error(`no running VM container for server ${serverId}`);
  return docker(["exec", name, ...argv]);
}
