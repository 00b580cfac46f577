import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { HetznerState } from "../hetzner/state.ts";
import { dockerEnv, type VmDocker } from "./containers.ts";
import type { DownloadOptions } from "./disk.ts";
import { Machine, type VmInfo } from "./machine.ts";
import { ownerKey, removeOwnedContainers, SystemdMachine, type SystemdVmConfig } from "./systemd-machine.ts";

export type { VmInfo, VmState } from "./machine.ts";

export interface VmSimulatorOptions {
  hetzner: HetznerState;
  /** Each server's disk is `<rootDir>/<serverId>/`. */
  rootDir: string;
  /** Extra environment for every agent (on top of this process's; HOME is always the VM's /root). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Agent download: per-attempt timeout (30 s), attempts (3), delay between attempts (1 s). */
  download?: Partial<Omit<DownloadOptions, "signal">>;
  /** Delay before restarting an agent that exited on its own (the unit's RestartSec=5). */
  restartMs?: number;
  /**
   * The machine's Docker engine: agents get DOCKER_HOST (and the devcontainer CLI, and the
   * default image) and run real devcontainers; a deleted VM's containers are removed. Without
   * it, agents run their shells on the host.
   */
  docker?: VmDocker;
  /**
   * Boot every server as a systemd container of the Berth VM image (real cloud-init, real units)
   * instead of running its agent as a local process. `docker` is then ignored.
   */
  systemd?: SystemdVmConfig;
}

export interface VmSimulator {
  vms(): VmInfo[];
  vm(id: number): VmInfo | undefined;
  /** Each returns false for an unknown server id. */
  crash(id: number): Promise<boolean>;
  powerOff(id: number): Promise<boolean>;
  powerOn(id: number): Promise<boolean>;
  cutNetwork(id: number): boolean;
  restoreNetwork(id: number): boolean;
  /** Runs a command inside a systemd VM (null for a process VM or an unknown id). */
  exec(id: number, argv: string[]): Promise<string> | null;
  /** Kills every agent; disks are kept (they are the evidence when something went wrong). */
  stop(): Promise<void>;
}

export function startVmSimulator(opts: VmSimulatorOptions): VmSimulator {
  const log = opts.log ?? (() => {});
  mkdirSync(opts.rootDir, { recursive: true });
  const machines = new Map<number, Machine | SystemdMachine>();
  const owner = ownerKey(opts.rootDir);
  const systemdDeps = opts.systemd
    ? { hetzner: opts.hetzner, env: { ...opts.env }, log, vm: opts.systemd, owner }
    : null;
  // Containers an earlier run with this root dir left behind (after a crash of this process).
  const cleared = opts.systemd
    ? removeOwnedContainers(opts.systemd.dockerHost, owner).catch((err: unknown) => {
        log(`[vm] could not remove earlier VMs: ${(err as Error).message}`);
      })
    : Promise.resolve();
  const pending = new Set<Promise<void>>();
  const deps = {
    hetzner: opts.hetzner,
    env: { ...(opts.docker ? dockerEnv(opts.docker) : {}), ...opts.env },
    docker: opts.docker ?? null,
    log,
    download: { timeoutMs: 30_000, attempts: 3, retryDelayMs: 1000, ...opts.download },
    restartMs: opts.restartMs ?? 5000,
  };
  // Deletion is asynchronous (wait for the process group, then remove the disk); stop() waits for it.
  const track = (p: Promise<void>) => {
    const t = p
      .catch((err: unknown) => log(`[vm] ${(err as Error).message}`))
      .finally(() => pending.delete(t));
    pending.add(t);
  };

  // After a reset, server ids (and so disk paths) and IPs are reused: a new VM waits until the old
  // one with its id has been killed and its disk removed.
  const destroying = new Map<number, Promise<void>>();

  const offCreated = opts.hetzner.onServerCreated(({ server, userData, ip }) => {
    // Runs inside the Hetzner stand-in's request: nothing here may throw or block.
    try {
      const dir = join(opts.rootDir, String(server.id));
      const m = systemdDeps
        ? new SystemdMachine(systemdDeps, server, ip, dir)
        : new Machine(deps, server, ip, dir);
      machines.set(server.id, m);
      m.boot(
        userData,
        Promise.all([cleared, destroying.get(server.id)]).then(() => {}),
      );
    } catch (err) {
      log(`[vm ${server.id}] could not boot: ${(err as Error).message}`);
    }
  });
  const offDeleted = opts.hetzner.onServerDeleted(({ server }) => {
    const m = machines.get(server.id);
    if (!m) return;
    machines.delete(server.id);
    const done = m.destroy(true).finally(() => {
      if (destroying.get(server.id) === done) destroying.delete(server.id);
    });
    destroying.set(server.id, done);
    track(done);
  });

  // Power actions through the Hetzner API (POST /servers/:id/actions/...) reach the machine too,
  // so an "off" server never keeps heartbeating. Shadowing the instance method keeps the
  // Hetzner stand-in unaware of the simulator; stop() removes the shadow.
  const hetzner = opts.hetzner;
  const powerAction = hetzner.powerAction;
  const ours: HetznerState["powerAction"] = function (this: HetznerState, id, command, status) {
    const actionId = powerAction.call(this, id, command, status);
    const m = machines.get(id);
    if (actionId !== null && m) {
      const run = async () => {
        if (command === "stop_server" || command === "shutdown_server") await m.powerOff();
        else if (command === "start_server") await m.powerOn();
        else if (command === "reboot_server" || command === "reset_server") {
          await m.crash();
          await m.powerOn();
        }
      };
      track(run());
    }
    return actionId;
  };
  hetzner.powerAction = ours;

  const withVm = async (
    id: number,
    f: (m: Machine | SystemdMachine) => Promise<void> | void,
  ): Promise<boolean> => {
    const m = machines.get(id);
    if (!m) return false;
    await f(m);
    return true;
  };

  return {
    vms: () => [...machines.values()].map((m) => m.info()),
    vm: (id) => machines.get(id)?.info(),
    crash: (id) => withVm(id, (m) => m.crash()),
    powerOff: (id) => withVm(id, (m) => m.powerOff()),
    powerOn: (id) => withVm(id, (m) => m.powerOn()),
    cutNetwork(id) {
      machines.get(id)?.cutNetwork();
      return machines.has(id);
    },
    restoreNetwork(id) {
      machines.get(id)?.restoreNetwork();
      return machines.has(id);
    },
    exec(id, argv) {
      const m = machines.get(id);
      return m instanceof SystemdMachine ? m.exec(argv) : null;
    },
    async stop() {
      offCreated();
      offDeleted();
      // Removing the own property brings back the prototype's method.
      if (hetzner.powerAction === ours) delete (hetzner as Partial<HetznerState>).powerAction;
      const all = [...machines.values()];
      machines.clear();
      await Promise.all([...all.map((m) => m.destroy(false)), ...pending]);
      // A systemd VM is a container: none outlives the simulator (its disk stays, as evidence).
      if (opts.systemd) await removeOwnedContainers(opts.systemd.dockerHost, owner).catch(() => 0);
    },
  };
}
