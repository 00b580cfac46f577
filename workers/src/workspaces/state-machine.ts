import type { WorkspaceState } from "@berth/protocol";

/**
 * The workspace lifecycle. `failed` and `deleted` are terminal: nothing may remain on Hetzner or
 * Cloudflare for them, which the reconciler keeps true.
 */
const allowed: Record<WorkspaceState, readonly WorkspaceState[]> = {
  creating: ["provisioning", "stopping", "failed"],
  provisioning: ["booting", "stopping", "failed"],
  booting: ["ready", "stopping", "failed"],
  ready: ["stopping", "failed"],
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

/** Live workspaces count against the per-user limit and own cloud resources. */
export const isLive = (state: WorkspaceState) => !isTerminal(state);

/** States in which the user can still be told to wait: the VM is coming up. */
export const isStarting = (state: WorkspaceState) =>
  state === "creating" || state === "provisioning" || state === "booting";

/** Whether the workspace should have a server and DNS records right now. */
export const wantsResources = (state: WorkspaceState) => state === "booting" || state === "ready";

/** States the owner can stop from. */
export const isStoppable = (state: WorkspaceState) => isLive(state) && state !== "stopping";
