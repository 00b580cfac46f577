import type { WorkspaceState } from "@berth/protocol";
import type { Workspace } from "../db/schema/index.ts";
import type { Settings } from "../settings.ts";

export interface TimedDecision {
  to: Extract<WorkspaceState, "stopping" | "failed">;
  reason: string;
}

/**
 * What time alone says must happen to a workspace: a transitional state held past its deadline
 * fails it; a ready VM that stopped heartbeating, or outlived the maximum lifetime, is stopped.
 * Pure, so tests drive it with any clock.
 */
export function timedDecision(ws: Workspace, now: number, settings: Settings): TimedDecision | null {
  const inState = now - ws.stateChangedAt.getTime();
  const minutes = (ms: number) => Math.round(ms / 60_000);
  switch (ws.state) {
    case "creating":
    case "provisioning":
    case "booting": {
      const deadline = settings.deadlinesMs[ws.state];
      if (inState > deadline)
        return { to: "failed", reason: `stuck in ${ws.state} for over ${minutes(deadline)} min` };
      break;
    }
    case "ready": {
      const lastSign = (ws.lastHeartbeatAt ?? ws.readyAt ?? ws.stateChangedAt).getTime();
      if (now - lastSign > settings.heartbeatTimeoutMs) {
        return { to: "stopping", reason: `no heartbeat for ${minutes(now - lastSign)} min` };
      }
      break;
    }
    default:
      break;
  }
  if (
    (ws.state === "booting" || ws.state === "ready") &&
    now - ws.createdAt.getTime() > settings.maxLifetimeMs
  ) {
    return {
      to: "stopping",
      reason: `reached the maximum lifetime of ${minutes(settings.maxLifetimeMs)} min`,
    };
  }
  return null;
}

/** Hetzner bills every started hour; the monthly cap is irrelevant for VMs that live hours. */
export function costSoFar(ws: Workspace, now: number): { hours: number; eur: number } | null {
  if (ws.hourlyPrice === null || !ws.serverCreatedAt) return null;
  const end = ws.endedAt?.getTime() ?? now;
  const hours = Math.max(1, Math.ceil((end - ws.serverCreatedAt.getTime()) / 3_600_000));
  return { hours, eur: Math.round(hours * ws.hourlyPrice * 10_000) / 10_000 };
}
