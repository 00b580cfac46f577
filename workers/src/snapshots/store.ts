import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Snapshot, snapshotParts, snapshots, type Workspace, workspaces } from "../db/schema/index.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { newSealedKey, openSealedKey } from "./crypto.ts";

/** Everything the snapshot code needs: D1, the bucket, the key box and a clock. */
export interface SnapshotDeps {
  db: Database;
  /** SNAPSHOTS; null when the deployment has no bucket (snapshots are then refused, clearly). */
  snapshotBucket: R2Bucket | null;
  box: SecretBox;
  now(): number;
}

/** R2 keys: `ws/<workspace>/<snapshot>/<part>`, so one prefix lists a snapshot or a workspace. */
export const workspacePrefix = (workspaceId: string) => `ws/${workspaceId}/`;
export const snapshotPrefix = (workspaceId: string, snapshotId: string) =>
  `${workspacePrefix(workspaceId)}${snapshotId}/`;
export const partKey = (workspaceId: string, snapshotId: string, n: number) =>
  `${snapshotPrefix(workspaceId, snapshotId)}${n}`;

export function parsePartKey(key: string): { workspaceId: string; snapshotId: string; n: number } | null {
  const m = /^ws\/([a-z0-9]{1,32})\/([a-z0-9]{1,40})\/(\d{1,5})$/.exec(key);
  return m ? { workspaceId: m[1] as string, snapshotId: m[2] as string, n: Number(m[3]) } : null;
}

export async function loadSnapshot(db: Database, workspaceId: string, snapshotId: string) {
  const [row] = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.id, snapshotId), eq(snapshots.workspaceId, workspaceId)));
  return row ?? null;
}

export async function partsOf(db: Database, snapshotId: string) {
  return db
    .select()
    .from(snapshotParts)
    .where(eq(snapshotParts.snapshotId, snapshotId))
    .orderBy(snapshotParts.n);
}

/** Verified snapshots of a workspace, newest first. */
export async function verifiedSnapshots(db: Database, workspaceId: string): Promise<Snapshot[]> {
  return db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.workspaceId, workspaceId), eq(snapshots.state, "verified")))
    .orderBy(desc(snapshots.verifiedAt), desc(snapshots.createdAt));
}

export async function latestVerified(db: Database, workspaceId: string): Promise<Snapshot | null> {
  return (await verifiedSnapshots(db, workspaceId))[0] ?? null;
}

/** The workspace's key, made (once, compare-and-set against a racing request) on first use. */
export async function workspaceKey(deps: SnapshotDeps, ws: Workspace): Promise<CryptoKey> {
  let sealed = ws.snapshotKeyCiphertext;
  if (!sealed) {
    const fresh = await newSealedKey(deps.box, ws.id);
    const [won] = await deps.db
      .update(workspaces)
      .set({ snapshotKeyCiphertext: fresh })
      .where(and(eq(workspaces.id, ws.id), isNull(workspaces.snapshotKeyCiphertext)))
      .returning({ sealed: workspaces.snapshotKeyCiphertext });
    if (won?.sealed) sealed = won.sealed;
    else {
      // Another request stored one first: use that one, never overwrite it.
      const [row] = await deps.db
        .select({ sealed: workspaces.snapshotKeyCiphertext })
        .from(workspaces)
        .where(eq(workspaces.id, ws.id));
      if (!row?.sealed) throw new Error("the workspace's snapshot key could not be stored");
      sealed = row.sealed;
    }
  }
  return openSealedKey(deps.box, ws.id, sealed);
}

/** Deletes every R2 object under a prefix (paged: R2 lists and deletes at most 1000 at a time). */
export async function deleteObjects(bucket: R2Bucket | null, prefix: string): Promise<number> {
  if (!bucket) return 0;
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    const keys = page.objects.map((o) => o.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/**
 * Removes snapshots: rows first (nothing may point at half-deleted data), then their objects. An
 * object left behind by a failure here has no row: the orphan sweep deletes it.
 */
export async function deleteSnapshots(deps: SnapshotDeps, rows: Snapshot[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 90) {
    const ids = rows.slice(i, i + 90).map((r) => r.id);
    if (ids.length > 0) await deps.db.delete(snapshots).where(inArray(snapshots.id, ids));
  }
  for (const row of rows) await deleteObjects(deps.snapshotBucket, snapshotPrefix(row.workspaceId, row.id));
}

/** Everything a workspace ever stored: its rows and every object under its prefix. */
export async function deleteAllSnapshotsOf(deps: SnapshotDeps, workspaceId: string): Promise<void> {
  await deps.db.delete(snapshots).where(eq(snapshots.workspaceId, workspaceId));
  await deleteObjects(deps.snapshotBucket, workspacePrefix(workspaceId));
}

/** An upload that cannot become usable: its objects go at once, the row stays to say why. */
export async function failSnapshot(deps: SnapshotDeps, row: Snapshot, why: string): Promise<void> {
  const now = new Date(deps.now());
  await deps.db
    .update(snapshots)
    .set({ state: "failed", failure: why.slice(0, 2000), updatedAt: now })
    .where(eq(snapshots.id, row.id));
  await deps.db.delete(snapshotParts).where(eq(snapshotParts.snapshotId, row.id));
  await deleteObjects(deps.snapshotBucket, snapshotPrefix(row.workspaceId, row.id));
}
