import { and, eq, inArray, isNotNull, lt } from "drizzle-orm";
import { snapshotParts, snapshots } from "../db/schema/index.ts";
import type { Settings } from "../settings.ts";
import { deleteSnapshots, failSnapshot, parsePartKey, type SnapshotDeps } from "./store.ts";

export interface SnapshotSweepReport {
  /** Uploads silent past the deadline: failed, their objects deleted. */
  abandoned: string[];
  /** Snapshots past their retention: rows and objects deleted. */
  expired: string[];
  /** R2 objects no stored part claims (past the grace period): deleted. */
  orphanObjects: string[];
}

const day = 86_400_000;

/**
 * The snapshot part of the cron pass: abandoned uploads fail (objects deleted), expired snapshots
 * go, failed rows are forgotten after a day, and every R2 object no part row claims is deleted
 * once it is older than an upload in flight could be. Nothing stays in R2 that no workspace owns.
 */
export async function sweepSnapshots(
  deps: SnapshotDeps & { settings: Settings },
): Promise<SnapshotSweepReport> {
  const now = deps.now();
  const report: SnapshotSweepReport = { abandoned: [], expired: [], orphanObjects: [] };
  const stale = await deps.db
    .select()
    .from(snapshots)
    .where(
      and(
        eq(snapshots.state, "uploading"),
        lt(snapshots.updatedAt, new Date(now - deps.settings.snapshots.abandonAfterMs)),
      ),
    );
  for (const row of stale) {
    await failSnapshot(deps, row, "the upload was abandoned (no part for an hour)");
    report.abandoned.push(row.id);
  }
  await deps.db
    .delete(snapshots)
    .where(and(eq(snapshots.state, "failed"), lt(snapshots.updatedAt, new Date(now - day))));
  const expired = await deps.db
    .select()
    .from(snapshots)
    .where(and(isNotNull(snapshots.expiresAt), lt(snapshots.expiresAt, new Date(now))));
  await deleteSnapshots(deps, expired);
  report.expired.push(...expired.map((r) => r.id));
  report.orphanObjects.push(...(await deleteOrphanObjects(deps)));
  return report;
}

async function claimedParts(deps: SnapshotDeps, snapshotIds: string[]): Promise<Set<string>> {
  const claimed = new Set<string>();
  for (let i = 0; i < snapshotIds.length; i += 90) {
    const rows = await deps.db
      .select({
        snapshotId: snapshotParts.snapshotId,
        n: snapshotParts.n,
        workspaceId: snapshots.workspaceId,
      })
      .from(snapshotParts)
      .innerJoin(snapshots, eq(snapshots.id, snapshotParts.snapshotId))
      .where(inArray(snapshotParts.snapshotId, snapshotIds.slice(i, i + 90)));
    for (const r of rows) claimed.add(`${r.workspaceId}/${r.snapshotId}/${r.n}`);
  }
  return claimed;
}

/** Lists the bucket page by page; an object younger than the grace may be a part being stored. */
async function deleteOrphanObjects(deps: SnapshotDeps & { settings: Settings }): Promise<string[]> {
  const bucket = deps.snapshotBucket;
  if (!bucket) return [];
  const cutoff = deps.now() - deps.settings.snapshots.orphanGraceMs;
  const deleted: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: "", ...(cursor ? { cursor } : {}) });
    const old = page.objects.filter((o) => o.uploaded.getTime() <= cutoff);
    const parsed = old.map((o) => ({ key: o.key, at: parsePartKey(o.key) }));
    const ids = [...new Set(parsed.flatMap((p) => (p.at ? [p.at.snapshotId] : [])))];
    const claimed = await claimedParts(deps, ids);
    const orphans = parsed
      .filter((p) => !p.at || !claimed.has(`${p.at.workspaceId}/${p.at.snapshotId}/${p.at.n}`))
      .map((p) => p.key);
    if (orphans.length > 0) await bucket.delete(orphans);
    deleted.push(...orphans);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
