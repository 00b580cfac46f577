/**
 * Wake: fetch a verified snapshot through the control plane and put it back where it was, before
 * the clone and `devcontainer up`:
 *   GET snapshots/:sid             the manifest {size, sha256, parts, ...}
 *   GET snapshots/:sid/parts/:n    each part's plain bytes
 * Every part and then the whole are checked against the manifest's hashes before anything is
 * unpacked; the workspace folder appears (one rename) only once all of it unpacked. The home
 * sources' tars wait in `pendingHomeDir` until the runtime that owns them is up (boot applies them).
 */
import { createHash } from "node:crypto";
import { chmod, chown, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CallResult, ControlPlaneClient } from "../control-plane/client.ts";
import type { RetryPolicy } from "../control-plane/retry.ts";
import { formatBytes } from "./list.ts";
import type { ArchiveMeta } from "./pack.ts";
import { SnapshotError } from "./spawn.ts";
import { unpackSnapshot } from "./unpack.ts";

export class RestoreError extends SnapshotError {
  override name = "RestoreError";
  /** True when trying again cannot help (a corrupt or missing snapshot). */
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.permanent = permanent;
  }
}

export interface RestoreOptions {
  client: ControlPlaneClient;
  snapshotId: string;
  /** Scratch space on the same filesystem as the workspace (removed afterwards). */
  workDir: string;
  workspaceDir: string;
  pendingHomeDir: string;
  report(step: string, message: string): void;
  retry?: RetryPolicy;
}

export interface Restored {
  size: number;
  parts: number;
  downloadMs: number;
  unpackMs: number;
}

const step = "restore";
const downloadRetry: RetryPolicy = { attempts: 8, baseMs: 1000, maxMs: 30_000 };

export async function restoreSnapshot(opts: RestoreOptions): Promise<Restored> {
  const retry = opts.retry ?? downloadRetry;
  const sid = opts.snapshotId;
  const manifest = must(await opts.client.snapshotManifest(sid, retry), `snapshot ${sid}: no manifest`);
  const total = manifest.parts.reduce((n, p) => n + p.size, 0);
  if (total !== manifest.size || manifest.parts.some((p, i) => p.n !== i)) {
    throw new RestoreError(
      `snapshot ${sid}: its manifest does not add up (parts out of order or sizes differ)`,
      true,
    );
  }
  opts.report(
    step,
    `Restoring snapshot ${sid} (${formatBytes(manifest.size)}, ${manifest.parts.length} parts)`,
  );
  await rm(opts.workDir, { recursive: true, force: true });
  await mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  try {
    const archive = join(opts.workDir, "snapshot.tar.zst");
    const started = performance.now();
    const sink = Bun.file(archive).writer();
    const whole = createHash("sha256");
    let done = 0;
    let nextReport = 0.25;
    try {
      for (const part of manifest.parts) {
        const bytes = await fetchPart(opts, part, retry);
        whole.update(bytes);
        sink.write(bytes);
        await sink.flush();
        done += part.size;
        if (manifest.size > 0 && done / manifest.size >= nextReport && done < manifest.size) {
          opts.report(step, `Downloaded ${formatBytes(done)} of ${formatBytes(manifest.size)}`);
          while (nextReport <= done / manifest.size) nextReport += 0.25;
        }
      }
    } finally {
      await sink.end();
    }
    const sha = whole.digest("hex");
    if (sha !== manifest.sha256) {
      throw new RestoreError(
        `snapshot ${sid} is corrupt: the archive's SHA-256 is ${sha.slice(0, 12)}…, the manifest says ${manifest.sha256.slice(0, 12)}…; nothing was restored`,
        true,
      );
    }
    const downloadMs = Math.round(performance.now() - started);
    opts.report(step, `Downloaded and verified ${formatBytes(manifest.size)} in ${seconds(downloadMs)}`);

    const unpackStarted = performance.now();
    const un = await unpackSnapshot(archive, join(opts.workDir, "unpacked")).catch((err: unknown) => {
      throw new RestoreError(
        `snapshot ${sid} cannot be unpacked: ${err instanceof Error ? err.message : err}`,
        true,
      );
    });
    await applyFolderOwner(un.workspaceDir, un.meta.workspace);
    // Home first: a restart between the two renames finds the workspace and must not lose the home.
    await rm(opts.pendingHomeDir, { recursive: true, force: true });
    await mkdir(dirname(opts.pendingHomeDir), { recursive: true });
    await rename(un.homeDir, opts.pendingHomeDir);
    await rm(opts.workspaceDir, { recursive: true, force: true });
    await mkdir(dirname(opts.workspaceDir), { recursive: true });
    await rename(un.workspaceDir, opts.workspaceDir);
    const unpackMs = Math.round(performance.now() - unpackStarted);
    const rate = formatBytes(Math.round(manifest.size / Math.max(0.001, (downloadMs + unpackMs) / 1000)));
    opts.report(step, `Restored the workspace in ${seconds(downloadMs + unpackMs)} (${rate}/s)`);
    return { size: manifest.size, parts: manifest.parts.length, downloadMs, unpackMs };
  } finally {
    await rm(opts.workDir, { recursive: true, force: true });
  }
}

/** One part, checked; a mismatch is fetched once more (a bad read), then the snapshot is corrupt. */
async function fetchPart(
  opts: RestoreOptions,
  part: { n: number; size: number; sha256: string },
  retry: RetryPolicy,
): Promise<Uint8Array> {
  let why = "";
  for (let attempt = 1; attempt <= 2; attempt++) {
    const bytes = new Uint8Array(
      must(await opts.client.snapshotPartBytes(opts.snapshotId, part.n, retry), `part ${part.n}`),
    );
    const sha = createHash("sha256").update(bytes).digest("hex");
    if (bytes.length === part.size && sha === part.sha256) return bytes;
    why =
      bytes.length !== part.size
        ? `part ${part.n} has ${bytes.length} bytes, the manifest says ${part.size}`
        : `part ${part.n}'s SHA-256 does not match the manifest`;
  }
  throw new RestoreError(`snapshot ${opts.snapshotId} is corrupt: ${why}; nothing was restored`, true);
}

function must<T>(r: CallResult<T>, what: string): T {
  if (r.ok) return r.data;
  // A 4xx other than timeouts and rate limits will answer the same next time.
  const permanent = r.status !== null && r.status >= 400 && r.status < 500 && !r.retryable;
  throw new RestoreError(
    `${what}: ${r.body?.message ? `${r.body.message} (${r.error})` : r.error}`,
    permanent,
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The folder's own owner and mode as they were (archives from before they were kept: as unpacked). */
async function applyFolderOwner(dir: string, was: ArchiveMeta["workspace"]): Promise<void> {
  if (!was) return;
  await chmod(dir, was.mode);
  // Only root can give a folder away; an agent that is not root restores its own files anyway.
  if (process.getuid?.() === 0) await chown(dir, was.uid, was.gid);
}

/** Applies the home tars a restore left (after the runtime is up), then forgets them. */
export async function applyPendingHome(
  pendingHomeDir: string,
  sources: Array<{ name: string; label: string; restore(file: string): Promise<void> }>,
  report: (step: string, message: string) => void,
): Promise<void> {
  let applied = 0;
  let failed = 0;
  for (const s of sources) {
    const file = join(pendingHomeDir, `${s.name}.tar`);
    if (!(await Bun.file(file).exists())) continue;
    try {
      await s.restore(file);
      applied++;
    } catch (err) {
      failed++;
      report(
        step,
        `Could not restore ${s.label} (kept for the next start): ${err instanceof Error ? err.message : err}`,
      );
    }
  }
  if (applied > 0) report(step, `Restored ${sources.map((s) => s.label).join(", ")}`);
  if (failed === 0) await rm(pendingHomeDir, { recursive: true, force: true });
}
