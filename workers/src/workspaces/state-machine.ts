import type { WorkspaceState } from "@berth/protocol";

/**
 * The workspace lifecycle. `failed` and `deleted` are terminal: nothing may remain on Hetzner,
 * Cloudflare or R2 for them, which the reconciler keeps true. `asleep` holds no VM and no DNS
 * records, only snapshots. `stopping` (then `deleted`) is reachable from every live state: a delete
 * always wins.
 *
 * - sleep: ready -> sleeping -> asleep (the VM goes only after a verified snapshot, or when it is
 *   gone or silent, on the newest checkpoint).
 * - wake: asleep -> waking -> provisioning -> booting -> ready. A wake that cannot finish (a
 *   corrupted snapshot, a refused server, a deadline) goes back to asleep, keeping the snapshot.
 */
const allowed: Record<WorkspaceState, readonly WorkspaceState[]> = {
  creating: ["provisioning", "stopping", "failed"],
  provisioning: ["booting", "stopping", "failed", "asleep"],
  booting: ["ready", "stopping", "failed", "asleep"],
  ready: ["sleeping", "stopping", "failed"],
  sleeping: ["asleep", "stopping"],
  asleep: ["waking", "stopping"],
  waking: ["provisioning", "stopping", "asleep"],
  stopping: ["deleted"],
  deleted: [],
  failed: [],
};

export class IllegalTransitionError extends Error {
  readonly from: WorkspaceState;
  readonly to: WorkspaceState;
  constructor(from: WorkspaceState, to: WorkspaceState) {
    super(`a workspace cannot go from ${from} to ${to}`);
    this.from = from;
    this.to = to;
  }
}

export function canTransition(from: WorkspaceState, to: WorkspaceState): boolean {
  return allowed[from].includes(to);
}

export function assertTransition(from: WorkspaceState, to: WorkspaceState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export const isTerminal = (state: WorkspaceState) => state === "deleted" || state === "failed";

/** Live workspaces own cloud resources or snapshots, and the reconciler looks after them. */
export const isLive = (state: WorkspaceState) => !isTerminal(state);

/**
 * Workspaces that hold (or are about to hold) a VM: they count against the live-workspace limits.
 * An asleep workspace costs only storage, so it does not.
 */
export const holdsVm = (state: WorkspaceState) => isLive(state) && state !== "asleep";

/** States in which the user can still be told to wait: the VM is coming up. */
export const isStarting = (state: WorkspaceState) =>
  state === "creating" || state === "provisioning" || state === "booting" || state === "waking";

/** Whether the workspace should have a server and DNS records right now. */
export const wantsResources = (state: WorkspaceState) =>
  state === "booting" || state === "ready" || state === "sleeping";

/** States the owner can stop (a ready workspace's stop is a sleep). */
export const isStoppable = (state: WorkspaceState) =>
  isLive(state) && state !== "stopping" && state !== "sleeping" && state !== "asleep";

/** States the owner can delete from: every live one (a delete wins over a sleep or a wake). */
export const isDeletable = (state: WorkspaceState) => isLive(state) && state !== "stopping";
