/**
 * Uploads a snapshot through the control plane (protocol snapshots.ts):
 *   POST snapshots {kind} -> {snapshot_id, part_size, max_bytes}
 *   pack with those limits (hashes of the whole and of each part_size slice on the way)
 *   PUT  snapshots/:sid/parts/:n   raw bytes, for n = 0..; the answer must echo our size and hash
 *   POST snapshots/:sid/complete   {size, sha256, parts}  -> 2xx: verified
 * Over the cap: POST snapshots/:sid/complete with the too-large report {size, max_bytes, biggest}
 * (the control plane answers 422) and no part is sent.
 */
import { rm } from "node:fs/promises";
import type { SnapshotKind, SnapshotPart } from "@berth/protocol/agent";
import type { CallResult, ControlPlaneClient } from "../control-plane/client.ts";
import type { RetryPolicy } from "../control-plane/retry.ts";
import { formatBytes } from "./list.ts";
import { type Packed, SnapshotTooLargeError } from "./pack.ts";
import { SnapshotError } from "./spawn.ts";

export interface UploadOptions {
  client: ControlPlaneClient;
  kind: SnapshotKind;
  /** Packs the archive within the limits the control plane gave. */
  pack(limits: { maxBytes: number; partSize: number }): Promise<Packed>;
  /** Each call's retries (the client's backoff); a part answered wrongly is sent again too. */
  retry?: RetryPolicy;
  log?: (msg: string) => void;
}

export interface Uploaded {
  snapshotId: string;
  size: number;
  sha256: string;
  parts: number;
  packMs: number;
  uploadMs: number;
}

/**
 * The control plane has no snapshot endpoint (404 to POST snapshots: one older than sleep and
 * wake). Such a control plane can neither keep nor wake a snapshot.
 */
export class SnapshotsUnsupportedError extends SnapshotError {
  override name = "SnapshotsUnsupportedError";
}

export const partRetry: RetryPolicy = { attempts: 6, baseMs: 1000, maxMs: 30_000 };
/** Sends of one part whose answer does not match what was sent. */
const mismatchAttempts = 3;

export async function uploadSnapshot(opts: UploadOptions): Promise<Uploaded> {
  const retry = opts.retry ?? partRetry;
  const start = await opts.client.createSnapshot(opts.kind, retry);
  if (!start.ok && start.status === 404) throw new SnapshotsUnsupportedError(start.error);
  const created = must(start, "could not start the snapshot");
  const sid = created.snapshot_id;
  let packed: Packed;
  try {
    packed = await opts.pack({ maxBytes: created.max_bytes, partSize: created.part_size });
  } catch (err) {
    if (err instanceof SnapshotTooLargeError) {
      const r = await opts.client.reportSnapshotTooLarge(sid, err.report, retry);
      // 422 is the expected answer: the report was taken.
      if (!r.ok && r.status !== 422) opts.log?.(`snapshot: the too-large report was not taken: ${r.error}`);
    }
    throw err;
  }
  try {
    const started = performance.now();
    const file = Bun.file(packed.file);
    for (const part of packed.parts) {
      const start = part.n * created.part_size;
      await putPart(opts, sid, part, file.slice(start, start + part.size), retry);
    }
    must(
      await opts.client.completeSnapshot(
        sid,
        { size: packed.size, sha256: packed.sha256, parts: packed.parts },
        retry,
      ),
      "the control plane did not verify the snapshot",
    );
    return {
      snapshotId: sid,
      size: packed.size,
      sha256: packed.sha256,
      parts: packed.parts.length,
      packMs: packed.ms,
      uploadMs: Math.round(performance.now() - started),
    };
  } finally {
    await rm(packed.file, { force: true });
  }
}

async function putPart(
  opts: UploadOptions,
  sid: string,
  part: SnapshotPart,
  bytes: Blob,
  retry: RetryPolicy,
) {
  for (let attempt = 1; ; attempt++) {
    const got = must(
      await opts.client.putSnapshotPart(sid, part.n, bytes, retry),
      `part ${part.n} was not stored`,
    );
    if (got.n === part.n && got.size === part.size && got.sha256 === part.sha256) return;
    const why = `part ${part.n}: the control plane stored ${formatBytes(got.size)} with another hash`;
    if (attempt >= mismatchAttempts) throw new SnapshotError(why);
    opts.log?.(`snapshot: ${why}; sending it again`);
  }
}

function must<T>(r: CallResult<T>, what: string): T {
  if (r.ok) return r.data;
  throw new SnapshotError(`${what}: ${r.body?.message ? `${r.body.message} (${r.error})` : r.error}`);
}
