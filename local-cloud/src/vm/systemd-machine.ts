// A local server that boots like a Hetzner VM: a container of the Berth VM image (images/berth-vm)
// with systemd as PID 1 and a NoCloud seed holding the exact user_data the control plane sent.
// Real cloud-init runs its write_files and runcmd, real systemd starts berth-agent and Caddy.
// Nothing here reads the user_data.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HetznerState } from "../hetzner/state.ts";
import { startDockerProxy, VM_LABEL } from "./docker-proxy.ts";
import { VmNetwork } from "./network.ts";

/**
 * booting: creating the container; running: the container runs (whatever cloud-init and systemd
 * then do in it); failed: the container could not be made or started; crashed / off: stopped by
 * crash() / powerOff(); deleted: the server is gone.
 */
export type VmState = "booting" | "running" | "failed" | "crashed" | "off" | "deleted";

export interface VmInfo {
  id: number;
  name: string;
  ip: string;
  /** The VM's directory on the host: `<rootDir>/<id>` (seed, /var/lib/berth, network plumbing). */
  dir: string;
  state: VmState;
  network: "up" | "cut";
  /** Where the VM's Caddy listens, while it runs. */
  agentUrl: string | null;
  error: string | null;
}

export interface SystemdVmConfig {
  /** The Berth VM image's tag on the engine. */
  image: string;
  /** DOCKER_HOST of the project's engine (VM containers and devcontainers both run there). */
  dockerHost: string;
  /** The image a repo without a devcontainer gets (the agent's DEFAULT_DEVCONTAINER_IMAGE). */
  defaultImage?: string;
}

export interface SystemdMachineDeps {
  hetzner: HetznerState;
  /** Extra environment for the agent's unit (a local drop-in; production sets none). */
  env: Record<string, string>;
  log: (line: string) => void;
  vm: SystemdVmConfig;
  /** Identifies this simulator's containers on the shared engine (a hash of its root dir). */
  owner: string;
}

/** The flags systemd needs as PID 1 here (../shared/TOOLCHAIN.md); --privileged fails on this host. */
const SYSTEMD_FLAGS = [
  "--cap-add",
  "SYS_ADMIN",
  "--cap-add",
  "NET_ADMIN",
  "--security-opt",
  "seccomp=unconfined",
  "--security-opt",
  "apparmor=unconfined",
  "--tmpfs",
  "/run",
  "--tmpfs",
  "/run/lock",
  "-v",
  "/sys/fs/cgroup:/sys/fs/cgroup:ro",
];

export const OWNER_LABEL = "berth.vm.owner";
/** The agent's data_dir in every user_data (workers/src/workspaces/provisioning.ts). */
const VM_DATA_DIR = "/var/lib/berth";

export function dockerCli(host: string, args: string[], timeout = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      args,
      { env: { ...process.env, DOCKER_HOST: host }, timeout, maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`docker ${args[0]}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

export const ownerKey = (rootDir: string) => createHash("sha256").update(rootDir).digest("hex").slice(0, 10);

/** Removes every container (VMs and their devcontainers) a simulator with this owner left. */
export async function removeOwnedContainers(host: string, owner: string): Promise<number> {
  const ids = (await dockerCli(host, ["ps", "-aq", "--filter", `label=${OWNER_LABEL}=${owner}`]))
    .split("\n")
    .filter(Boolean);
  if (ids.length > 0) await dockerCli(host, ["rm", "-f", "-v", ...ids]);
  return ids.length;
}

export class SystemdMachine {
  readonly id: number;
  readonly name: string;
  readonly ip: string;
  readonly dir: string;
  private readonly deps: SystemdMachineDeps;
  private readonly container: string;
  private readonly network: VmNetwork;
  private proxy: { stop(): Promise<void> } | null = null;
  private rootfs: string | null = null;
  private state: VmState = "booting";
  private networkCut = false;
  private error: string | null = null;
  private pid: number | null = null;
  private booting: Promise<void> = Promise.resolve();

  constructor(deps: SystemdMachineDeps, server: { id: number; name: string }, ip: string, dir: string) {
    this.deps = deps;
    this.id = server.id;
    this.name = server.name;
    this.ip = ip;
    this.dir = dir;
    this.container = `berth-vm-${deps.owner}-${server.id}`;
    this.network = new VmNetwork({ dir: join(dir, "net"), ip, inPorts: [80, 443] });
  }

  info(): VmInfo {
    return {
      id: this.id,
      name: this.name,
      ip: this.ip,
      dir: this.dir,
      state: this.state,
      network: this.networkCut ? "cut" : "up",
      agentUrl: this.state === "running" ? `https://${this.ip}` : null,
      error: this.error,
    };
  }

  private log(line: string): void {
    this.deps.log(`[vm ${this.id} ${this.name} ${this.ip}] ${line}`);
  }

  private docker(args: string[]): Promise<string> {
    return dockerCli(this.deps.vm.dockerHost, args);
  }

  /** Runs a command in the VM (as `ssh root@vm cmd` would); for tests and diagnostics. */
  exec(argv: string[]): Promise<string> {
    return this.docker(["exec", this.container, ...argv]);
  }

  boot(userData: string | null, after: Promise<void> = Promise.resolve()): void {
    this.booting = after
      .then(() => this.doBoot(userData))
      .catch((err: unknown) => {
        if (this.state === "deleted") return;
        this.state = "failed";
        this.error = (err as Error).message;
        this.log(`boot failed: ${this.error}`);
      });
  }

  private async doBoot(userData: string | null): Promise<void> {
    const seed = join(this.dir, "seed");
    const data = join(this.dir, "data");
    await mkdir(seed, { recursive: true });
    await mkdir(data, { recursive: true, mode: 0o700 });
    // NoCloud: meta-data names the instance (a new id per server, so cloud-init runs once per
    // server and not again after a power cycle), user-data is exactly what Hetzner was given.
    await writeFile(
      join(seed, "meta-data"),
      `instance-id: hetzner-${this.id}\nlocal-hostname: ${this.name}\n`,
    );
    await writeFile(join(seed, "user-data"), userData ?? "");
    const dropIn = join(this.dir, "berth-agent-local.conf");
    const env = { ...this.deps.env };
    if (this.deps.vm.defaultImage) env.DEFAULT_DEVCONTAINER_IMAGE = this.deps.vm.defaultImage;
    await writeFile(
      dropIn,
      `# Local mode only: what the agent on a local VM needs besides its unit.\n[Service]\n${Object.entries(
        env,
      )
        .map(([k, v]) => `Environment=${JSON.stringify(`${k}=${v}`)}\n`)
        .join("")}`,
    );
    await this.network.start();
    const engine = this.deps.vm.dockerHost.replace(/^unix:\/\//, "");
    const proxySocket = join(this.dir, "docker.sock");
    this.proxy = await startDockerProxy({
      socket: proxySocket,
      engine,
      key: `${this.deps.owner}-${this.id}`,
      owner: { label: OWNER_LABEL, value: this.deps.owner },
      shared: [{ vm: VM_DATA_DIR, host: data }],
      rootfs: () => this.rootfs,
      networkContainer: () => this.container,
    });
    if (this.state === "deleted") return;
    await this.docker([
      "create",
      "--name",
      this.container,
      "--hostname",
      this.name,
      "--network",
      "none",
      "--label",
      `${OWNER_LABEL}=${this.deps.owner}`,
      ...SYSTEMD_FLAGS,
      "-v",
      `${seed}:/var/lib/cloud/seed/nocloud:ro`,
      "-v",
      `${data}:${VM_DATA_DIR}`,
      "-v",
      `${proxySocket}:/var/run/docker.sock`,
      "-v",
      `${dropIn}:/etc/systemd/system/berth-agent.service.d/local.conf:ro`,
      this.deps.vm.image,
    ]);
    await this.start();
    this.deps.hetzner.setServerStatus(this.id, "running");
    this.log(`booted container ${this.container} (systemd, cloud-init NoCloud)`);
  }

  /** Starts the container and plugs its namespace into the network. */
  private async start(): Promise<void> {
    await this.docker(["start", this.container]);
    const [pid, rootfs] = (
      await this.docker([
        "inspect",
        "--format",
        "{{.State.Pid}} {{.GraphDriver.Data.MergedDir}}",
        this.container,
      ])
    )
      .trim()
      .split(" ");
    this.pid = Number(pid);
    this.rootfs = rootfs || null;
    const passwd = this.rootfs ? await readFile(join(this.rootfs, "etc/passwd"), "utf8").catch(() => "") : "";
    const caddy = /^caddy:[^:]*:(\d+):/m.exec(passwd);
    await this.network.attach(this.pid, caddy ? Number(caddy[1]) : null);
    this.network.setCut(this.networkCut);
    this.state = "running";
  }

  /** Its devcontainers go down with it, as they would with a real VM. */
  private async devcontainers(how: "stop" | "remove"): Promise<void> {
    // Only containers made through the VM's socket carry its label (the VM's own does not).
    const ids = (
      await this.docker(["ps", "-aq", "--filter", `label=${VM_LABEL}=${this.deps.owner}-${this.id}`])
    )
      .split("\n")
      .filter(Boolean);
    if (ids.length === 0) return;
    await this.docker(how === "remove" ? ["rm", "-f", "-v", ...ids] : ["stop", "-t", "0", ...ids]);
    this.log(`${how === "stop" ? "stopped" : "removed"} ${ids.length} devcontainer(s)`);
  }

  private async halt(): Promise<void> {
    this.network.detach();
    await this.docker(["kill", this.container]).catch(() => "");
    await this.devcontainers("stop").catch((err: unknown) => this.log((err as Error).message));
  }

  /** Like a kernel panic: everything stops, the API still says "running". */
  async crash(): Promise<void> {
    if (this.state === "deleted") return;
    this.state = "crashed";
    this.log("crash: container killed; server status unchanged");
    await this.halt();
  }

  async powerOff(): Promise<void> {
    if (this.state === "deleted") return;
    this.state = "off";
    this.deps.hetzner.setServerStatus(this.id, "off");
    this.log("power off");
    await this.halt();
  }

  /** Boots the same disk again: cloud-init sees the same instance and only systemd's units start. */
  async powerOn(): Promise<void> {
    if (this.state !== "off" && this.state !== "crashed") return;
    this.deps.hetzner.setServerStatus(this.id, "running");
    this.log("power on");
    await this.start();
  }

  cutNetwork(): void {
    this.networkCut = true;
    this.network.setCut(true);
    this.log("network cut");
  }

  restoreNetwork(): void {
    this.networkCut = false;
    this.network.setCut(false);
    this.log("network restored");
  }

  async destroy(removeDisk: boolean): Promise<void> {
    this.state = "deleted";
    await this.booting;
    await this.devcontainers("remove").catch((err: unknown) => this.log((err as Error).message));
    await this.docker(["rm", "-f", "-v", this.container]).catch(() => "");
    await this.network.stop();
    await this.proxy?.stop();
    if (removeDisk) await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
