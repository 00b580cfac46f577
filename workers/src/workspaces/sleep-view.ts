import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Snapshot, snapshots, type Workspace } from "../db/schema/index.ts";
import type { Settings } from "../settings.ts";
import { monthlyStorageEur } from "../snapshots/format.ts";

export interface SleepView {
  asleep_at: string;
  /** The snapshot a wake restores; null when none exists (the work since boot was lost). */
  snapshot: { id: string; kind: string; size_bytes: number; created_at: string } | null;
  /** Every verified snapshot kept for the workspace, and what storing them costs a month. */
  stored_bytes: number;
  monthly_storage_eur: number;
  expires_at: string;
  /** Within the warning window (3 days) of expiry: the dashboard says so. */
  expires_soon: boolean;
  retention_days: number;
}

/** Verified snapshots of these workspaces, grouped by workspace. */
export async function snapshotsByWorkspace(db: Database, ids: string[]): Promise<Map<string, Snapshot[]>> {
  const out = new Map<string, Snapshot[]>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select()
      .from(snapshots)
      .where(and(inArray(snapshots.workspaceId, ids.slice(i, i + 90)), eq(snapshots.state, "verified")));
    for (const r of rows) out.set(r.workspaceId, [...(out.get(r.workspaceId) ?? []), r]);
  }
  return out;
}

export function sleepView(
  ws: Workspace,
  stored: Snapshot[],
  settings: Settings,
  now: number,
): SleepView | null {
  if (ws.state !== "asleep" || !ws.asleepAt) return null;
  const days = ws.snapshotRetentionDays ?? settings.snapshots.retentionDays;
  const expires = ws.asleepAt.getTime() + days * 86_400_000;
  const on = stored.find((s) => s.id === ws.sleepSnapshotId) ?? null;
  const bytes = stored.reduce((sum, s) => sum + (s.size ?? 0), 0);
  return {
    asleep_at: ws.asleepAt.toISOString(),
    snapshot: on
      ? { id: on.id, kind: on.kind, size_bytes: on.size ?? 0, created_at: on.createdAt.toISOString() }
      : null,
    stored_bytes: bytes,
    monthly_storage_eur: monthlyStorageEur(bytes),
    expires_at: new Date(expires).toISOString(),
    expires_soon: expires - now <= settings.snapshots.expiryWarningMs,
    retention_days: days,
  };
}
