// The local Hetzner's servers as machines: each server the stand-in creates boots as a systemd
// container of the Berth VM image (systemd-machine.ts), with real cloud-init reading the exact
// user_data the server was created with. Power actions, deletes and resets reach the container.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { HetznerState } from "../hetzner/state.ts";
import {
  ownerKey,
  removeOwnedContainers,
  SystemdMachine,
  type SystemdVmConfig,
  type VmInfo,
} from "./systemd-machine.ts";

export type { VmInfo, VmState } from "./systemd-machine.ts";

export interface VmSimulatorOptions {
  hetzner: HetznerState;
  /** Each server's directory is `<rootDir>/<serverId>/`. */
  rootDir: string;
  /** Extra environment for every agent (a local drop-in for its unit). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** The Berth VM image and the project's Docker engine every server boots on. */
  systemd: SystemdVmConfig;
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
  /** Runs a command inside a VM (null for an unknown id). */
  exec(id: number, argv: string[]): Promise<string> | null;
  /** Removes every VM's container; their directories are kept (the evidence when something went wrong). */
  stop(): Promise<void>;
}

export function startVmSimulator(opts: VmSimulatorOptions): VmSimulator {
  const log = opts.log ?? (() => {});
  mkdirSync(opts.rootDir, { recursive: true });
  const machines = new Map<number, SystemdMachine>();
  const owner = ownerKey(opts.rootDir);
  const deps = { hetzner: opts.hetzner, env: { ...opts.env }, log, vm: opts.systemd, owner };
  // Containers an earlier run with this root dir left behind (after a crash of this process).
  const cleared = removeOwnedContainers(opts.systemd.dockerHost, owner).catch((err: unknown) => {
    log(`[vm] could not remove earlier VMs: ${(err as Error).message}`);
  });
  const pending = new Set<Promise<void>>();
  // Deletion is asynchronous (remove the container, then the directory); stop() waits for it.
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
      const m = new SystemdMachine(deps, server, ip, dir);
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

  const withVm = async (id: number, f: (m: SystemdMachine) => Promise<void> | void): Promise<boolean> => {
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
    exec: (id, argv) => machines.get(id)?.exec(argv) ?? null,
    async stop() {
      offCreated();
      offDeleted();
      // Removing the own property brings back the prototype's method.
      if (hetzner.powerAction === ours) delete (hetzner as Partial<HetznerState>).powerAction;
      const all = [...machines.values()];
      machines.clear();
      await Promise.all([...all.map((m) => m.destroy(false)), ...pending]);
      // A systemd VM is a container: none outlives the simulator (its disk stays, as evidence).
      await removeOwnedContainers(opts.systemd.dockerHost, owner).catch(() => 0);
    },
  };
}
