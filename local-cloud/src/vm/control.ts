import type { ServiceRequest, ServiceResponse } from "../http-util.ts";
import type { VmSimulator } from "./simulator.ts";

const ACTIONS: Record<string, (sim: VmSimulator, id: number) => Promise<boolean> | boolean> = {
  crash: (sim, id) => sim.crash(id),
  poweroff: (sim, id) => sim.powerOff(id),
  poweron: (sim, id) => sim.powerOn(id),
  "network-cut": (sim, id) => sim.cutNetwork(id),
  "network-restore": (sim, id) => sim.restoreNetwork(id),
};

/**
 * `/__berth/vms` control routes for the Hetzner stand-in's port. Returns undefined for paths it
 * does not own, so the service's own control endpoints still answer them.
 */
export function vmControl(sim: VmSimulator) {
  return async (req: ServiceRequest): Promise<ServiceResponse | undefined> => {
    if (req.method === "GET" && req.path === "/__berth/vms") return { status: 200, json: sim.vms() };
    const m = /^\/__berth\/vms\/(\d+)(?:\/([a-z-]+))?$/.exec(req.path);
    if (!m) return undefined;
    const id = Number(m[1]);
    if (m[2] === undefined) {
      if (req.method !== "GET") return undefined;
      const vm = sim.vm(id);
      return vm ? { status: 200, json: vm } : { status: 404, json: { error: `no VM for server ${id}` } };
    }
    const action = ACTIONS[m[2]];
    if (!action || req.method !== "POST") return undefined;
    if (!(await action(sim, id))) return { status: 404, json: { error: `no VM for server ${id}` } };
    return { status: 200, json: sim.vm(id) };
  };
}
