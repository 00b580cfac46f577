import {
  errorCodes,
  type SnapshotCompleteRequest,
  type SnapshotCreated,
  type SnapshotKind,
  type SnapshotManifest,
  type SnapshotPart,
  snapshotErrorCodes,
} from "@berth/protocol";
import { eq, sql } from "drizzle-orm";
import { type Snapshot, snapshotParts, snapshots, type Workspace } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { randomWorkspaceId } from "../security/tokens.ts";
import type { Settings } from "../settings.ts";
import { recordEvent, updateWorkspace } from "../workspaces/store.ts";
import { hex, openPart, SnapshotIntegrityError, sealPart, sha256Of } from "./crypto.ts";
import { formatBytes, type TooLargeReport, tooLargeMessage } from "./format.ts";
import { failSnapshot, loadSnapshot, partKey, partsOf, type SnapshotDeps, workspaceKey } from "./store.ts";

export type UploadDeps = SnapshotDeps & { settings: Settings };

/** Most parts a snapshot may have (snapshots.ts caps the manifest at this many). */
export const maxParts = 10_000;

const conflict = (code: string, message: string) => new ApiError(409, code as never, message);

function bucketOf(deps: UploadDeps): R2Bucket {
  if (!deps.snapshotBucket)
    throw new ApiError(503, errorCodes.misconfigured, "snapshots are not configured (no SNAPSHOTS bucket)");
  return deps.snapshotBucket;
}

/** A sleep snapshot while ready or sleeping; checkpoints only while ready. */
export async function createSnapshot(
  deps: UploadDeps,
  ws: Workspace,
  kind: SnapshotKind,
): Promise<SnapshotCreated> {
  bucketOf(deps);
  const allowed = kind === "sleep" ? ["ready", "sleeping"] : ["ready"];
  if (!allowed.includes(ws.state))
    throw conflict(errorCodes.conflict, `the workspace is ${ws.state}: no ${kind} snapshot now`);
  await workspaceKey(deps, ws); // made now, so parts of racing uploads share one key
  const id = `s${randomWorkspaceId().slice(1)}${randomWorkspaceId().slice(1, 8)}`;
  const now = new Date(deps.now());
  await deps.db
    .insert(snapshots)
    .values({ id, workspaceId: ws.id, kind, state: "uploading", createdAt: now, updatedAt: now });
  return {
    snapshot_id: id,
    part_size: deps.settings.snapshots.partBytes,
    max_bytes: deps.settings.snapshots.maxBytes,
  };
}

async function uploading(deps: UploadDeps, ws: Workspace, snapshotId: string): Promise<Snapshot> {
  const row = await loadSnapshot(deps.db, ws.id, snapshotId);
  if (!row) throw new ApiError(404, errorCodes.notFound, "snapshot not found");
  // Once the workspace fell asleep (or is being deleted) its old VM adds nothing more.
  if (ws.state !== "ready" && ws.state !== "sleeping")
    throw conflict(snapshotErrorCodes.wrongState, `the workspace is ${ws.state}: uploads are closed`);
  if (row.state !== "uploading")
    throw conflict(snapshotErrorCodes.wrongState, `snapshot ${snapshotId} is ${row.state}, not uploading`);
  return row;
}

/**
 * Reads a request body into one buffer, refusing it (413) as soon as it passes `limit` bytes. With
 * a Content-Length the buffer is allocated once (no second copy of a part in memory).
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  declared?: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new ApiError(413, errorCodes.payloadTooLarge, `a part may be at most ${limit} bytes (part_size)`);
  if (declared !== undefined && declared > limit) throw tooLarge();
  let out = new Uint8Array(declared ?? Math.min(limit, 1024 * 1024));
  let total = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.byteLength > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      if (total + value.byteLength > out.length) {
        const grown = new Uint8Array(Math.min(limit, Math.max(out.length * 2, total + value.byteLength)));
        grown.set(out.subarray(0, total));
        out = grown;
      }
      out.set(value, total);
      total += value.byteLength;
    }
  }
  return total === out.length ? out : out.slice(0, total);
}

/**
 * Stores one part: hashes the plain bytes, encrypts them under the workspace key and writes the
 * sealed part to R2. A part sent again replaces the earlier one (the agent retries freely).
 */
export async function putPart(
  deps: UploadDeps,
  ws: Workspace,
  snapshotId: string,
  n: number,
  plain: Uint8Array<ArrayBuffer>,
): Promise<SnapshotPart> {
  const bucket = bucketOf(deps);
  const row = await uploading(deps, ws, snapshotId);
  if (n >= maxParts)
    throw new ApiError(422, errorCodes.validation, `a snapshot has at most ${maxParts} parts`);
  const [stored] = await deps.db
    .select({ total: sql<number>`coalesce(sum(${snapshotParts.size}), 0)` })
    .from(snapshotParts)
    .where(sql`${snapshotParts.snapshotId} = ${snapshotId} and ${snapshotParts.n} != ${n}`);
  const total = (stored?.total ?? 0) + plain.byteLength;
  if (total > deps.settings.snapshots.maxBytes) {
    const why = `the upload passed the ${formatBytes(deps.settings.snapshots.maxBytes)} cap (SNAPSHOT_MAX_BYTES)`;
    await failSnapshot(deps, row, why);
    throw new ApiError(422, snapshotErrorCodes.tooLarge as never, `snapshot ${snapshotId}: ${why}`);
  }
  const sha256 = await sha256Of(plain);
  const key = await workspaceKey(deps, ws);
  const sealed = await sealPart(key, { workspaceId: ws.id, snapshotId, n }, plain);
  await bucket.put(partKey(ws.id, snapshotId, n), sealed);
  const now = new Date(deps.now());
  const part = { snapshotId, n, size: plain.byteLength, sha256, storedAt: now };
  await deps.db
    .insert(snapshotParts)
    .values(part)
    .onConflictDoUpdate({ target: [snapshotParts.snapshotId, snapshotParts.n], set: part });
  await deps.db.update(snapshots).set({ updatedAt: now }).where(eq(snapshots.id, snapshotId));
  // A part stored is a sign of life: a long sleep upload is not a silent VM.
  await updateWorkspace(deps.db, ws.id, { lastHeartbeatAt: now });
  return { n, size: part.size, sha256 };
}

/** The agent reports an archive over the cap instead of uploading it: fail it, naming the folders. */
export async function refuseTooLarge(
  deps: UploadDeps,
  ws: Workspace,
  snapshotId: string,
  report: TooLargeReport,
): Promise<never> {
  const row = await uploading(deps, ws, snapshotId);
  const message = tooLargeMessage(report, deps.settings.snapshots.maxBytes);
  await failSnapshot(deps, row, message);
  await recordEvent(deps.db, ws.id, "snapshot", `${row.kind} snapshot failed: ${message}`);
  throw new ApiError(422, snapshotErrorCodes.tooLarge as never, message);
}

function partProblems(req: SnapshotCompleteRequest, stored: Map<number, SnapshotPart>): string[] {
  const problems: string[] = [];
  req.parts.forEach((p, i) => {
    if (p.n !== i)
      problems.push(`parts must be numbered 0..${req.parts.length - 1} in order (got ${p.n} at ${i})`);
    const have = stored.get(p.n);
    if (!have) problems.push(`part ${p.n} was never stored`);
    else if (have.size !== p.size || have.sha256 !== p.sha256)
      problems.push(
        `part ${p.n} differs from what was stored (${have.size} bytes, sha256 ${have.sha256.slice(0, 12)}…)`,
      );
  });
  for (const n of stored.keys())
    if (n >= req.parts.length) problems.push(`part ${n} was stored but is not listed`);
  const sum = req.parts.reduce((s, p) => s + p.size, 0);
  if (sum !== req.size) problems.push(`the parts add up to ${sum} bytes, not ${req.size}`);
  return problems.slice(0, 10);
}

/**
 * Reads every stored part back from R2, decrypts it and checks its size and SHA-256, hashing the
 * whole archive on the way: what is verified is what a wake would restore, not what was sent.
 */
async function verifyStored(deps: UploadDeps, ws: Workspace, row: Snapshot, req: SnapshotCompleteRequest) {
  const bucket = bucketOf(deps);
  const key = await workspaceKey(deps, ws);
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  let size = 0;
  for (const p of req.parts) {
    const object = await bucket.get(partKey(ws.id, row.id, p.n));
    if (!object) throw new SnapshotIntegrityError(`part ${p.n} is missing from storage`);
    const plain = await openPart(
      key,
      { workspaceId: ws.id, snapshotId: row.id, n: p.n },
      await object.arrayBuffer(),
    );
    if (plain.byteLength !== p.size || (await sha256Of(plain)) !== p.sha256)
      throw new SnapshotIntegrityError(`part ${p.n} does not read back as it was stored`);
    size += plain.byteLength;
    await writer.write(new Uint8Array(plain));
  }
  await writer.close();
  return { size, sha256: hex(await digest.digest) };
}

/**
 * Verifies and seals a snapshot: every listed part stored with the size and hash the control plane
 * computed, nothing extra, the total and the whole archive's SHA-256 as the agent states them, read
 * back from storage. Missing or differing parts: 409, the upload stays open for them. A stored part
 * that fails to read back, or a whole-archive hash that differs: 422, the upload is void.
 */
export async function completeSnapshot(
  deps: UploadDeps,
  ws: Workspace,
  snapshotId: string,
  req: SnapshotCompleteRequest,
): Promise<SnapshotManifest> {
  const existing = await loadSnapshot(deps.db, ws.id, snapshotId);
  // A complete whose response was lost, sent again: the same answer.
  if (existing?.state === "verified" && existing.sha256 === req.sha256 && existing.size === req.size)
    return manifestOf(existing, await partsOf(deps.db, existing.id));
  const row = await uploading(deps, ws, snapshotId);
  if (req.size > deps.settings.snapshots.maxBytes)
    return refuseTooLarge(deps, ws, snapshotId, {
      size: req.size,
      max_bytes: deps.settings.snapshots.maxBytes,
      biggest: [],
    });
  const stored = new Map((await partsOf(deps.db, snapshotId)).map((p) => [p.n, p]));
  const problems = partProblems(req, stored);
  if (problems.length > 0)
    throw conflict(
      snapshotErrorCodes.incomplete,
      `snapshot ${snapshotId} is not complete: ${problems.join("; ")}`,
    );
  let whole: { size: number; sha256: string };
  try {
    whole = await verifyStored(deps, ws, row, req);
  } catch (err) {
    if (!(err instanceof SnapshotIntegrityError)) throw err;
    await failSnapshot(deps, row, err.message);
    throw new ApiError(
      422,
      snapshotErrorCodes.corrupt as never,
      `snapshot ${snapshotId} failed verification: ${err.message}`,
    );
  }
  if (whole.sha256 !== req.sha256 || whole.size !== req.size) {
    const why = `the stored archive's SHA-256 is ${whole.sha256}, not ${req.sha256}`;
    await failSnapshot(deps, row, why);
    throw new ApiError(
      422,
      snapshotErrorCodes.corrupt as never,
      `snapshot ${snapshotId} failed verification: ${why}`,
    );
  }
  const now = new Date(deps.now());
  const [verified] = await deps.db
    .update(snapshots)
    .set({
      state: "verified",
      size: req.size,
      sha256: req.sha256,
      parts: req.parts.length,
      verifiedAt: now,
      updatedAt: now,
    })
    .where(sql`${snapshots.id} = ${snapshotId} and ${snapshots.state} = 'uploading'`)
    .returning();
  if (!verified)
    throw conflict(snapshotErrorCodes.wrongState, `snapshot ${snapshotId} changed while it was verified`);
  await recordEvent(
    deps.db,
    ws.id,
    "snapshot",
    `${row.kind} snapshot verified: ${formatBytes(req.size)} in ${req.parts.length} part(s)`,
  );
  return manifestOf(verified, [...stored.values()]);
}

export function manifestOf(row: Snapshot, parts: SnapshotPart[]): SnapshotManifest {
  return {
    snapshot_id: row.id,
    kind: row.kind,
    created_at: row.createdAt.toISOString(),
    size: row.size ?? 0,
    sha256: row.sha256 ?? "",
    parts: [...parts].sort((a, b) => a.n - b.n).map((p) => ({ n: p.n, size: p.size, sha256: p.sha256 })),
  };
}
