import { errorCodes, type SnapshotManifest, snapshotErrorCodes } from "@berth/protocol";
import type { Workspace } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { wakeFailed } from "../workspaces/sleep.ts";
import { recordEvent } from "../workspaces/store.ts";
import { openPart, SnapshotIntegrityError, sha256Of } from "./crypto.ts";
import { loadSnapshot, partKey, partsOf, workspaceKey } from "./store.ts";
import { manifestOf } from "./upload.ts";

const notFound = () => new ApiError(404, errorCodes.notFound, "snapshot not found");

async function verifiedOf(deps: LifecycleDeps, ws: Workspace, snapshotId: string) {
  // Only a VM that is up or coming up restores: the VM of an asleep or ended workspace reads nothing.
  if (!["booting", "ready", "sleeping"].includes(ws.state)) throw notFound();
  // Scoped to the caller's own workspace: another workspace's snapshot id is simply not found.
  const row = await loadSnapshot(deps.db, ws.id, snapshotId);
  if (row?.state !== "verified") throw notFound();
  return row;
}

export async function snapshotManifest(
  deps: LifecycleDeps,
  ws: Workspace,
  snapshotId: string,
): Promise<SnapshotManifest> {
  const row = await verifiedOf(deps, ws, snapshotId);
  return manifestOf(row, await partsOf(deps.db, row.id));
}

/**
 * One part, decrypted, for the restoring VM. A part that fails its AES-GCM check or its hash ends
 * the wake: the workspace goes back to asleep with the reason, and the snapshot is kept.
 */
export async function readPart(
  deps: LifecycleDeps,
  ws: Workspace,
  snapshotId: string,
  n: number,
): Promise<{ bytes: ArrayBuffer; sha256: string }> {
  const row = await verifiedOf(deps, ws, snapshotId);
  const part = (await partsOf(deps.db, row.id)).find((p) => p.n === n);
  if (!part) throw new ApiError(404, errorCodes.notFound, `snapshot ${snapshotId} has no part ${n}`);
  try {
    const object = await deps.snapshotBucket?.get(partKey(ws.id, row.id, n));
    if (!object) throw new SnapshotIntegrityError(`part ${n} is missing from storage`);
    const key = await workspaceKey(deps, ws);
    const bytes = await openPart(
      key,
      { workspaceId: ws.id, snapshotId: row.id, n },
      await object.arrayBuffer(),
    );
    const sha256 = await sha256Of(bytes);
    if (bytes.byteLength !== part.size || sha256 !== part.sha256)
      throw new SnapshotIntegrityError(`part ${n} does not match its recorded size and SHA-256`);
    return { bytes, sha256 };
  } catch (err) {
    if (!(err instanceof SnapshotIntegrityError)) throw err;
    const why = `snapshot ${snapshotId} is corrupted (${err.message})`;
    await recordEvent(deps.db, ws.id, "error", why);
    await wakeFailed(deps, ws, why);
    throw new ApiError(422, snapshotErrorCodes.corrupt as never, why);
  }
}
