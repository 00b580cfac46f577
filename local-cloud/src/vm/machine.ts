import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { access, chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { HetznerState } from "../hetzner/state.ts";
import { containersDown, type VmDocker } from "./containers.ts";
import {
  type DownloadOptions,
  fetchVerified,
  onDisk,
  performWriteFiles,
  verifyInstalled,
  vmPaths,
} from "./disk.ts";
import { AGENT_BINARY, AGENT_CONFIG, type AgentSource, parseUserData } from "./user-data.ts";

/**
 * booting: writing files / downloading; running: the agent process is up (or being restarted by
 * "systemd"); no-agent: the user_data installs no agent; failed: boot or agent verification failed;
 * crashed / off: killed by crash() / powerOff(); deleted: the server is gone.
 */
export type VmState = "booting" | "running" | "no-agent" | "failed" | "crashed" | "off" | "deleted";

export interface VmInfo {
  id: number;
  name: string;
  ip: string;
  /** The VM's disk: `<rootDir>/<id>`. */
  dir: string;
  state: VmState;
  network: "up" | "cut";
  /** The agent's process (group) id while it runs. */
  pid: number | null;
  /** Where the agent listens (from its config), once known. */
  agentUrl: string | null;
  error: string | null;
  /** Times the agent was restarted after exiting on its own (the unit's Restart=always). */
  restarts: number;
}

export interface MachineDeps {
  hetzner: HetznerState;
  env: Record<string, string>;
  log: (line: string) => void;
  download: DownloadOptions;
  /** The unit's RestartSec. */
  restartMs: number;
  /** The machine's Docker engine, when its agents run real devcontainers. */
  docker: VmDocker | null;
}

export class Machine {
  readonly id: number;
  readonly name: string;
  readonly ip: string;
  readonly dir: string;
  private readonly deps: MachineDeps;
  private state: VmState = "booting";
  private networkCut = false;
  private error: string | null = null;
  private restarts = 0;
  private agent: AgentSource | null = null;
  private agentUrl: string | null = null;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private booting: Promise<void> = Promise.resolve();

  constructor(deps: MachineDeps, server: { id: number; name: string }, ip: string, dir: string) {
    this.deps = deps;
    this.id = server.id;
    this.name = server.name;
    this.ip = ip;
    this.dir = dir;
  }

  info(): VmInfo {
    return {
      id: this.id,
      name: this.name,
      ip: this.ip,
      dir: this.dir,
      state: this.state,
      network: this.networkCut ? "cut" : "up",
      pid: this.child?.pid ?? null,
      agentUrl: this.agentUrl,
      error: this.error,
      restarts: this.restarts,
    };
  }

  private log(line: string): void {
    this.deps.log(`[vm ${this.id} ${this.name} ${this.ip}] ${line}`);
  }

  private fail(message: string): void {
    if (this.state === "deleted") return;
    this.state = "failed";
    this.error = message;
    this.log(`boot failed: ${message}`);
  }

  /** Starts booting once `after` settles (a previous VM on the same disk is gone); never rejects (a failed boot is a state and a log line, not an exception). */
  boot(userData: string | null, after: Promise<void> = Promise.resolve()): void {
    this.booting = after
      .then(() => this.doBoot(userData))
      .catch((err: unknown) => this.fail((err as Error).message));
  }

  private gone(): boolean {
    return this.state !== "booting";
  }

  private async doBoot(userData: string | null): Promise<void> {
    const paths = vmPaths(this.dir);
    await mkdir(paths.home, { recursive: true, mode: 0o700 });
    if (userData === null) {
      this.state = "no-agent";
      this.deps.hetzner.setServerStatus(this.id, "running");
      this.log("no user_data: booted with nothing to run");
      return;
    }
    const plan = parseUserData(userData);
    await performWriteFiles(this.dir, plan.writeFiles);
    if (this.gone()) return;
    // The machine itself is up now; whether its agent starts is the agent's business.
    this.deps.hetzner.setServerStatus(this.id, "running");
    this.log(`wrote ${plan.writeFiles.length} file(s) from write_files`);
    if (!plan.agent) {
      this.state = "no-agent";
      this.log("user_data has no fetch-agent script: nothing to start");
      return;
    }
    this.agent = plan.agent;
    this.log(`downloading agent ${plan.agent.url} (sha256 ${plan.agent.sha256})`);
    await fetchVerified(plan.agent.url, plan.agent.sha256, onDisk(this.dir, AGENT_BINARY), {
      ...this.deps.download,
      signal: this.abort.signal,
    });
    if (this.gone()) return;
    this.log("agent downloaded and verified");
    await this.rewriteConfig();
    if (this.gone()) return;
    this.state = "running";
    await this.startAgent();
  }

  /** The config is written for a real VM: point it at this machine's address and disk. */
  private async rewriteConfig(): Promise<void> {
    const path = onDisk(this.dir, AGENT_CONFIG);
    await access(path).catch(() => {
      throw new Error(`user_data wrote no ${AGENT_CONFIG}`);
    });
    const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    const listen = (config.listen ?? {}) as { host?: string; port?: number };
    config.listen = { ...listen, host: this.ip };
    config.data_dir = vmPaths(this.dir).dataDir;
    await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
    await chmod(path, 0o600);
    if (typeof listen.port === "number") this.agentUrl = `http://${this.ip}:${listen.port}`;
  }

  /** ExecStartPre (re-verify the installed binary) + ExecStart. */
  private async startAgent(): Promise<void> {
    const bin = onDisk(this.dir, AGENT_BINARY);
    const expected = this.agent?.sha256 ?? "";
    const mismatch = await verifyInstalled(bin, expected);
    if (this.state !== "running") return;
    if (mismatch !== null) {
      this.fail(`SHA-256 mismatch for installed ${AGENT_BINARY} (${mismatch}): refusing to start`);
      return;
    }
    const paths = vmPaths(this.dir);
    const child = spawn(bin, ["serve", "--config", onDisk(this.dir, AGENT_CONFIG)], {
      cwd: this.dir,
      env: { ...process.env, ...this.deps.env, HOME: paths.home },
      // Its own process group, so signals reach the agent and every shell it started.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const out = createWriteStream(paths.log, { flags: "a" });
    out.on("error", () => {}); // the directory may vanish on delete while output still arrives
    this.tee(child.stdout, out);
    this.tee(child.stderr, out);
    this.exited = new Promise((resolve) => {
      let done = false;
      const onEnd = (how: string) => {
        if (done) return;
        done = true;
        if (this.child === child) this.child = null;
        out.end();
        resolve();
        this.onAgentExit(how);
      };
      child.on("exit", (code, signal) => onEnd(signal ? `signal ${signal}` : `code ${code}`));
      child.on("error", (err) => onEnd(`spawn error: ${err.message}`));
    });
    if (child.pid !== undefined) {
      this.log(`agent started (pid ${child.pid})`);
      if (this.networkCut) this.signal("SIGSTOP");
    }
  }

  private tee(stream: Readable, out: WriteStream): void {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      out.write(chunk);
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.log(`agent: ${line}`);
    });
    stream.on("end", () => {
      if (partial) this.log(`agent: ${partial}`);
    });
  }

  private onAgentExit(how: string): void {
    if (this.state !== "running") return; // we killed it (crash, power-off, delete)
    this.restarts++;
    this.log(`agent exited (${how}); restarting in ${this.deps.restartMs} ms (Restart=always)`);
    this.restartTimer = setTimeout(() => {
      this.startAgent().catch((err: unknown) => this.fail((err as Error).message));
    }, this.deps.restartMs);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // ESRCH: the group is already gone
    }
  }

  private async kill(containers: "stop" | "remove" = "stop"): Promise<void> {
    clearTimeout(this.restartTimer);
    this.signal("SIGKILL");
    const timeout = new Promise<void>((r) => setTimeout(r, 3000).unref());
    await Promise.race([this.exited, timeout]);
    // The VM's containers go down with it (and are gone with its disk).
    if (this.deps.docker) {
      try {
        const n = await containersDown(this.deps.docker.host, this.dir, containers);
        if (n > 0) this.log(`${containers === "stop" ? "stopped" : "removed"} ${n} container(s)`);
      } catch (err) {
        this.log(`could not ${containers} its containers: ${(err as Error).message}`);
      }
    }
  }

  /** Like a kernel panic: the agent dies, the API still says "running". */
  async crash(): Promise<void> {
    if (this.state === "deleted") return;
    this.state = "crashed";
    this.log("crash: agent killed (SIGKILL); server status unchanged");
    await this.kill();
  }

  async powerOff(): Promise<void> {
    if (this.state === "deleted") return;
    this.state = "off";
    this.deps.hetzner.setServerStatus(this.id, "off");
    this.log("power off");
    await this.kill();
  }

  /** Boots an off or crashed machine again from its disk (the binary is re-verified). */
  async powerOn(): Promise<void> {
    if (this.state !== "off" && this.state !== "crashed") return;
    if (!this.agent) {
      this.state = "no-agent";
      this.deps.hetzner.setServerStatus(this.id, "running");
      return;
    }
    this.state = "running";
    this.deps.hetzner.setServerStatus(this.id, "running");
    this.log("power on");
    await this.startAgent();
  }

  /** Freezes the agent (SIGSTOP): it neither heartbeats nor answers, as if its network were gone. */
  cutNetwork(): void {
    this.networkCut = true;
    this.signal("SIGSTOP");
    this.log("network cut (agent frozen)");
  }

  restoreNetwork(): void {
    this.networkCut = false;
    this.signal("SIGCONT");
    this.log("network restored");
  }

  /** Server deleted: stop everything and remove the disk. */
  async destroy(removeDisk: boolean): Promise<void> {
    this.state = "deleted";
    this.abort.abort();
    await this.booting;
    await this.kill(removeDisk ? "remove" : "stop");
    if (removeDisk) await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
