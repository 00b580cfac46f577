import { z } from "zod";

/**
 * Sleep and wake. The agent packs the workspace (see docs) into one archive and uploads it in
 * parts through the control plane, which encrypts each part (AES-256-GCM, a per-workspace key only
 * it holds) into R2. The VM never holds an R2 credential or the key.
 *
 * 1. POST snapshots            {kind}                  -> SnapshotCreated
 * 2. PUT  snapshots/:sid/parts/:n  raw bytes <= part_size -> SnapshotPart   (retry a part freely)
 * 3. POST snapshots/:sid/complete {size, sha256, parts}  -> verified, or 409/422 with the reason
 * Wake: the bootstrap response names the snapshot to restore; the agent reads its manifest
 * (GET snapshots/:sid) and its parts (GET snapshots/:sid/parts/:n, decrypted by the control plane).
 */
import { snapshotKinds } from "./snapshot-kinds.ts";

export * from "./snapshot-kinds.ts";

export const snapshotCreateRequestSchema = z.object({ kind: z.enum(snapshotKinds) });
export type SnapshotCreateRequest = z.infer<typeof snapshotCreateRequestSchema>;

export const snapshotCreatedSchema = z.object({
  snapshot_id: z.string().min(1),
  /** Largest body a part may have: below the Workers request-body limit. */
  part_size: z.number().int().positive(),
  /** The archive's size cap (SNAPSHOT_MAX_BYTES); bigger fails before any upload. */
  max_bytes: z.number().int().positive(),
});
export type SnapshotCreated = z.infer<typeof snapshotCreatedSchema>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const snapshotPartSchema = z.object({
  n: z.number().int().min(0),
  size: z.number().int().min(0),
  sha256: sha256Hex,
});
export type SnapshotPart = z.infer<typeof snapshotPartSchema>;

export const snapshotCompleteRequestSchema = z.object({
  /** Plain (unencrypted, compressed) archive: total bytes and SHA-256 of the whole. */
  size: z.number().int().min(0),
  sha256: sha256Hex,
  parts: z.array(snapshotPartSchema).min(1).max(10_000),
});
export type SnapshotCompleteRequest = z.infer<typeof snapshotCompleteRequestSchema>;

export const snapshotManifestSchema = snapshotCompleteRequestSchema.extend({
  snapshot_id: z.string(),
  kind: z.enum(snapshotKinds),
  created_at: z.iso.datetime(),
});
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;

/** Over the size cap: the agent reports the biggest folders instead of uploading (422). */
export const snapshotTooLargeSchema = z.object({
  size: z.number().int().min(0),
  max_bytes: z.number().int().positive(),
  biggest: z.array(z.object({ path: z.string(), bytes: z.number().int().min(0) })).max(20),
});
export type SnapshotTooLarge = z.infer<typeof snapshotTooLargeSchema>;
