import { errorCodes } from "@berth/protocol";
import { and, eq, isNotNull } from "drizzle-orm";
import { type Snapshot, snapshots, type Workspace, workspaceEvents } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { formatBytes } from "../snapshots/format.ts";
import { deleteSnapshots, latestVerified, loadSnapshot, verifiedSnapshots } from "../snapshots/store.ts";
import { noVmYet } from "./new-row.ts";
import { costSoFar } from "./policy.ts";
import { forgetListeningPorts } from "./ports.ts";
import type { LifecycleDeps } from "./reconcile.ts";
import { loadWorkspace, recordEvent, transition } from "./store.ts";

const day = 86_400_000;

export function retentionMs(deps: LifecycleDeps, ws: Workspace): number {
  return (ws.snapshotRetentionDays ?? deps.settings.snapshots.retentionDays) * day;
}

function age(deps: LifecycleDeps, at: Date): string {
  const minutes = Math.max(0, Math.round((deps.now() - at.getTime()) / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** This VM's cost folded into the earlier ones: an asleep workspace bills nothing more. */
function billingFold(ws: Workspace, now: number): Partial<Workspace> {
  const current = costSoFar({ ...ws, priorBilledHours: 0, priorCostEur: 0 }, now);
  return {
    priorBilledHours: ws.priorBilledHours + (current?.hours ?? 0),
    priorCostEur: Math.round((ws.priorCostEur + (current?.eur ?? 0)) * 10_000) / 10_000,
    serverCreatedAt: null,
  };
}

/**
 * ready/sleeping -> asleep on `snapshot` (null: none exists, and the reason says the work since boot
 * is lost). Its snapshots start their retention now. The VM and DNS records go in the reconcile.
 */
export async function fallAsleep(
  deps: LifecycleDeps,
  start: Workspace,
  snapshot: Snapshot | null,
  reason: string,
): Promise<Workspace | null> {
  let ws = start;
  if (ws.state === "ready") ws = (await transition(deps.db, ws, "sleeping", reason)) ?? ws;
  if (ws.state !== "sleeping") return null;
  const now = deps.now();
  const asleepAt = new Date(now);
  const expiresAt = new Date(now + retentionMs(deps, ws));
  const on = snapshot
    ? `asleep on its ${snapshot.kind} snapshot of ${formatBytes(snapshot.size ?? 0)}, taken ${age(deps, snapshot.createdAt)} ago`
    : "no snapshot exists: the work since the workspace started is lost (a wake starts from the repository)";
  const asleep = await transition(deps.db, ws, "asleep", `${reason}; ${on}`, {
    ...billingFold(ws, now),
    asleepAt,
    sleepSnapshotId: snapshot?.id ?? null,
    restoreSnapshotId: null,
    idleWarning: false,
    idleShutdownAt: null,
  });
  if (!asleep) return null;
  await forgetListeningPorts(deps.db, ws.id, now);
  await deps.db
    .update(snapshots)
    .set({ expiresAt })
    .where(and(eq(snapshots.workspaceId, ws.id), eq(snapshots.state, "verified")));
  if (snapshot?.kind === "sleep") await pruneOlderSleeps(deps, ws.id, snapshot);
  return asleep;
}

/** The VM is gone or silent during a sleep: asleep on the newest verified snapshot, saying how old. */
export async function fallAsleepOnCheckpoint(deps: LifecycleDeps, ws: Workspace, reason: string) {
  const newest = await latestVerified(deps.db, ws.id);
  return (await fallAsleep(deps, ws, newest, reason)) ?? (await loadWorkspace(deps.db, ws.id)) ?? ws;
}

/** The agent's shutdown named a snapshot: only a verified one of this workspace lets the VM go. */
export async function sleepOnSnapshot(
  deps: LifecycleDeps,
  ws: Workspace,
  snapshotId: string,
  reason: string,
) {
  const snapshot = await loadSnapshot(deps.db, ws.id, snapshotId);
  if (snapshot?.state !== "verified") {
    const what = snapshot ? `is ${snapshot.state}` : "does not exist";
    throw new ApiError(
      409,
      errorCodes.conflict,
      `snapshot ${snapshotId} ${what}: the VM stays until one is verified`,
    );
  }
  return (await fallAsleep(deps, ws, snapshot, reason)) ?? (await loadWorkspace(deps.db, ws.id)) ?? ws;
}

/** Only the newest sleep snapshot is kept (checkpoints are pruned by count, see pruneCheckpoints). */
async function pruneOlderSleeps(deps: LifecycleDeps, workspaceId: string, keep: Snapshot) {
  const older = (await verifiedSnapshots(deps.db, workspaceId)).filter(
    (s) => s.kind === "sleep" && s.id !== keep.id && s.createdAt.getTime() <= keep.createdAt.getTime(),
  );
  await deleteSnapshots(deps, older);
}

/** Keeps the newest `checkpointsKept` verified checkpoints, and never the one a wake restores. */
export async function pruneCheckpoints(deps: LifecycleDeps, ws: Workspace): Promise<number> {
  const keepIds = new Set([ws.restoreSnapshotId, ws.sleepSnapshotId].filter((x): x is string => !!x));
  const checkpoints = (await verifiedSnapshots(deps.db, ws.id)).filter((s) => s.kind === "checkpoint");
  const stale = checkpoints.slice(deps.settings.snapshots.checkpointsKept).filter((s) => !keepIds.has(s.id));
  await deleteSnapshots(deps, stale);
  return stale.length;
}

/** Whether a starting workspace is a wake (it fell asleep before): its failures go back to asleep. */
export const isWaking = (ws: Workspace) => ws.asleepAt !== null;

/**
 * asleep -> waking: a new VM will restore the newest verified snapshot (the one it slept on when it
 * still exists). Asking again while the wake runs changes nothing.
 */
export async function wakeWorkspace(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  if (ws.state !== "asleep") {
    if (isWaking(ws) && ["waking", "provisioning", "booting"].includes(ws.state)) return ws;
    throw new ApiError(
      409,
      errorCodes.conflict,
      `the workspace is ${ws.state}; only an asleep workspace wakes`,
    );
  }
  const slept = ws.sleepSnapshotId ? await loadSnapshot(deps.db, ws.id, ws.sleepSnapshotId) : null;
  const restore = slept?.state === "verified" ? slept : await latestVerified(deps.db, ws.id);
  const what = restore
    ? `restoring its ${restore.kind} snapshot of ${formatBytes(restore.size ?? 0)} from ${restore.createdAt.toISOString()}`
    : "no snapshot to restore: it starts from the repository";
  const waking = await transition(deps.db, ws, "waking", `woken by its owner, ${what}`, {
    restoreSnapshotId: restore?.id ?? null,
    // Nothing of the old VM carries over: its callback token opens nothing of the new one.
    ...noVmYet,
    lastError: null,
  });
  if (!waking) {
    const now = await loadWorkspace(deps.db, ws.id);
    throw new ApiError(
      409,
      errorCodes.conflict,
      `the workspace is ${now?.state ?? "gone"}; only an asleep workspace wakes`,
    );
  }
  // The old VM's ports are not the new one's: they show again once the new agent reports them.
  await forgetListeningPorts(deps.db, ws.id, deps.now());
  // Nothing expires during the wake (a failed wake sets the expiry again). The earlier VMs' boot
  // lines go, so the new VM's restore progress has the log to itself (progress lines are capped).
  await deps.db
    .update(snapshots)
    .set({ expiresAt: null })
    .where(and(eq(snapshots.workspaceId, ws.id), isNotNull(snapshots.expiresAt)));
  await deps.db
    .delete(workspaceEvents)
    .where(and(eq(workspaceEvents.workspaceId, ws.id), eq(workspaceEvents.type, "progress")));
  return waking;
}

/**
 * A wake that cannot finish goes back to asleep with its reason; the snapshot stays (a retry, or a
 * person, may still get at it). The reconcile removes the new VM.
 */
export async function wakeFailed(
  deps: LifecycleDeps,
  ws: Workspace,
  why: string,
  how: "failed" | "cancelled" = "failed",
): Promise<Workspace> {
  if (!isWaking(ws) || !["waking", "provisioning", "booting"].includes(ws.state)) return ws;
  const back = await transition(deps.db, ws, "asleep", `wake ${how}: ${why}; the snapshot is kept`, {
    ...billingFold(ws, deps.now()),
    restoreSnapshotId: null,
  });
  if (!back) return (await loadWorkspace(deps.db, ws.id)) ?? ws;
  // Retention still counts from when it first fell asleep.
  const expiresAt = new Date((ws.asleepAt?.getTime() ?? deps.now()) + retentionMs(deps, ws));
  await deps.db
    .update(snapshots)
    .set({ expiresAt })
    .where(and(eq(snapshots.workspaceId, ws.id), eq(snapshots.state, "verified")));
  return back;
}

/** The wake finished (its snapshots stopped expiring when it began). */
export async function wakeDone(deps: LifecycleDeps, ws: Workspace) {
  if (!ws.asleepAt) return;
  await recordEvent(
    deps.db,
    ws.id,
    "snapshot",
    ws.restoreSnapshotId ? `restored snapshot ${ws.restoreSnapshotId}` : "woke without a snapshot",
  );
}
