import type { WorkspaceState } from "../api/types.ts";

const starting: readonly WorkspaceState[] = ["creating", "provisioning", "booting", "waking"];
const ended: readonly WorkspaceState[] = ["deleted", "failed"];

export const isStarting = (s: WorkspaceState) => starting.includes(s);
export const isEnded = (s: WorkspaceState) => ended.includes(s);
/** Starting, going to sleep or stopping: something is about to change, so poll fast. */
export const isChanging = (s: WorkspaceState) => isStarting(s) || s === "stopping" || s === "sleeping";
/** A ready workspace's stop is a sleep; one still starting is stopped (a wake goes back to asleep). */
export const canStop = (s: WorkspaceState) => s === "ready" || isStarting(s);
export const canWake = (s: WorkspaceState) => s === "asleep";
/** Delete wins from every state but the end. */
export const canDelete = (s: WorkspaceState) => !isEnded(s) && s !== "stopping";

export const fastPollMs = 3_000;
export const slowPollMs = 15_000;

/** Poll every 3 s while any workspace is starting or stopping, else every 15 s. */
export function pollInterval(states: readonly WorkspaceState[]): number {
  return states.some(isChanging) ? fastPollMs : slowPollMs;
}

export const stateLabels: Record<WorkspaceState, string> = {
  creating: "Creating",
  provisioning: "Provisioning",
  booting: "Booting",
  ready: "Ready",
  sleeping: "Going to sleep",
  asleep: "Asleep",
  waking: "Waking",
  stopping: "Stopping",
  deleted: "Deleted",
  failed: "Failed",
};

/** What the agent's heartbeat says Claude is doing, in words; null when nothing to say. */
export function claudeStatusText(claudeState: string | null, waitingReason: string | null): string | null {
  switch (claudeState) {
    case "working":
      return "Claude is working";
    case "waiting":
      return waitingReason === "permission_prompt"
        ? "Claude is waiting for you (permission needed)"
        : "Claude is waiting for you";
    case "idle":
      return "Claude is idle";
    default:
      return null;
  }
}
