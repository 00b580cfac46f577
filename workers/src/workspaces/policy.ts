import type { WorkspaceState } from "@berth/protocol";
import type { Workspace } from "../db/schema/index.ts";
import type { Settings } from "../settings.ts";

export interface TimedDecision {
  to: Extract<WorkspaceState, "stopping" | "failed" | "sleeping" | "asleep">;
  reason: string;
}

const minutes = (ms: number) => Math.round(ms / 60_000);

/** A wake (the workspace fell asleep before) never fails: it goes back to asleep, keeping its work. */
const failTarget = (ws: Workspace): TimedDecision["to"] => (ws.asleepAt ? "asleep" : "failed");

function lastSign(ws: Workspace): number {
  return (ws.lastHeartbeatAt ?? ws.readyAt ?? ws.stateChangedAt).getTime();
}

/**
 * What time alone says must happen to a workspace: a transitional state held past its deadline
 * fails it (a wake goes back to asleep); a ready VM that stopped heartbeating, or outlived the
 * maximum lifetime, goes to sleep; a sleep whose VM went silent or overran its deadline falls asleep
 * on the newest checkpoint; an asleep workspace past its retention is deleted. Pure, so tests drive
 * it with any clock.
 */
export function timedDecision(ws: Workspace, now: number, settings: Settings): TimedDecision | null {
  const inState = now - ws.stateChangedAt.getTime();
  switch (ws.state) {
    case "creating":
    case "provisioning":
    case "booting":
    case "waking": {
      const deadline = settings.deadlinesMs[ws.state];
      if (inState > deadline)
        return { to: failTarget(ws), reason: `stuck in ${ws.state} for over ${minutes(deadline)} min` };
      break;
    }
    case "ready": {
      if (now - lastSign(ws) > settings.heartbeatTimeoutMs) {
        return {
          to: "sleeping",
          reason: `no heartbeat for ${minutes(now - lastSign(ws))} min: the VM is presumed lost`,
        };
      }
      break;
    }
    case "sleeping": {
      if (inState > settings.deadlinesMs.sleeping)
        return {
          to: "asleep",
          reason: `the sleep snapshot did not arrive within ${minutes(settings.deadlinesMs.sleeping)} min`,
        };
      if (now - lastSign(ws) > settings.heartbeatTimeoutMs)
        return {
          to: "asleep",
          reason: `the VM went silent while going to sleep (no heartbeat for ${minutes(now - lastSign(ws))} min)`,
        };
      break;
    }
    case "asleep": {
      const days = ws.snapshotRetentionDays ?? settings.snapshots.retentionDays;
      if (ws.asleepAt && now - ws.asleepAt.getTime() > days * 86_400_000)
        return { to: "stopping", reason: `asleep for over ${days} days: its snapshots expired` };
      break;
    }
    default:
      break;
  }
  if (
    (ws.state === "booting" || ws.state === "ready") &&
    now - (ws.serverCreatedAt ?? ws.createdAt).getTime() > settings.maxLifetimeMs
  ) {
    const reason = `reached the maximum lifetime of ${minutes(settings.maxLifetimeMs)} min`;
    return { to: ws.state === "ready" ? "sleeping" : ws.asleepAt ? "asleep" : "stopping", reason };
  }
  return null;
}

/**
 * Hetzner bills every started hour; the monthly cap is irrelevant for VMs that live hours. Earlier
 * VMs of the workspace (before a sleep) are added as they were billed.
 */
export function costSoFar(ws: Workspace, now: number): { hours: number; eur: number } | null {
  const prior = { hours: ws.priorBilledHours ?? 0, eur: ws.priorCostEur ?? 0 };
  if (ws.hourlyPrice === null || !ws.serverCreatedAt) return prior.hours > 0 ? prior : null;
  const end = ws.endedAt?.getTime() ?? now;
  const hours = Math.max(1, Math.ceil((end - ws.serverCreatedAt.getTime()) / 3_600_000));
  const eur = Math.round((prior.eur + hours * ws.hourlyPrice) * 10_000) / 10_000;
  return { hours: prior.hours + hours, eur };
}
