/**
 * The daemon's snapshots: a checkpoint every interval while the workspace is ready and its files
 * changed, and the sleep snapshot, which is retried until it is verified: the agent never asks
 * for its VM to be deleted with work that is not in a verified snapshot (the control plane's
 * deadline for a sleep that never completes takes over instead).
 * One snapshot runs at a time; a sleep waits for a checkpoint in flight, then stops the timer.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SnapshotKind } from "@berth/protocol/agent";
import type { ControlPlaneClient } from "../control-plane/client.ts";
import { backoffDelay, type RetryPolicy } from "../control-plane/retry.ts";
import { workspaceFingerprint } from "./fingerprint.ts";
import type { HomeSource } from "./home.ts";
import { formatBytes } from "./list.ts";
import { packSnapshot } from "./pack.ts";
import { SnapshotsUnsupportedError, uploadSnapshot } from "./upload.ts";

export const defaultCheckpointSeconds = 600;

export interface SnapshotServiceOptions {
  client: ControlPlaneClient;
  workspaceDir: string;
  /** Where archives are written while they upload (removed after). */
  scratchDir: string;
  keepIgnored: boolean;
  home: HomeSource[];
  checkpointIntervalMs: number;
  report(step: string, message: string): void;
  log?: (msg: string) => void;
  /** Retries of each call (parts included). */
  retry?: RetryPolicy;
  /** Backoff between whole sleep attempts. */
  sleepRetry?: RetryPolicy;
  /**
   * Keeps the marker of the last checkpoint across agent restarts, so work done before a restart
   * and not yet checkpointed still counts as a change. Absent: the marker starts fresh.
   */
  stateFile?: string;
  /** Told how each checkpoint interval ended (tests, status). */
  onTick?(result: "unchanged" | "uploaded" | "failed"): void;
}

export interface SnapshotService {
  /** Takes the baseline and starts the checkpoint timer (once the workspace is ready). */
  startCheckpoints(): Promise<void>;
  /**
   * The sleep snapshot, retried until verified; "stopped" if the service stopped first,
   * "unsupported" when the control plane has no snapshot endpoint at all.
   */
  sleepSnapshot(): Promise<{ snapshotId: string } | "stopped" | "unsupported">;
  readonly lastCheckpoint: { at: number; snapshotId: string; size: number } | null;
  stop(): void;
}

export function createSnapshotService(opts: SnapshotServiceOptions): SnapshotService {
  const log = opts.log ?? (() => {});
  const sleepRetry = opts.sleepRetry ?? { attempts: Number.POSITIVE_INFINITY, baseMs: 5000, maxMs: 300_000 };
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let sleeping = false;
  let baseline: string | null = null;
  let last: SnapshotService["lastCheckpoint"] = null;
  let wake: (() => void) | null = null;

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  };
  const take = (kind: SnapshotKind) =>
    uploadSnapshot({
      client: opts.client,
      kind,
      retry: opts.retry,
      log,
      pack: ({ maxBytes, partSize }) =>
        packSnapshot({
          workspaceDir: opts.workspaceDir,
          keepIgnored: opts.keepIgnored,
          home: opts.home,
          outFile: join(opts.scratchDir, `${kind}-${Date.now()}.tar.zst`),
          maxBytes,
          partSize,
        }),
    });
  const fingerprint = () => workspaceFingerprint(opts.workspaceDir, opts.home);
  const saveBaseline = async (fp: string | null) => {
    if (!opts.stateFile || fp === null) return;
    await mkdir(dirname(opts.stateFile), { recursive: true });
    await writeFile(opts.stateFile, `${JSON.stringify({ fingerprint: fp })}\n`).catch(() => {});
  };
  const loadBaseline = async (): Promise<string | null> => {
    if (!opts.stateFile) return null;
    try {
      const v = JSON.parse(await readFile(opts.stateFile, "utf8")) as { fingerprint?: unknown };
      return typeof v.fingerprint === "string" ? v.fingerprint : null;
    } catch {
      return null;
    }
  };

  async function checkpoint(): Promise<void> {
    if (stopped || sleeping) return;
    opts.onTick?.(await checkpointIfChanged());
  }

  async function checkpointIfChanged(): Promise<"unchanged" | "uploaded" | "failed"> {
    const fp = await fingerprint().catch((err: unknown) => {
      log(`checkpoint: cannot tell what changed: ${String(err)}`);
      return null;
    });
    if (fp !== null && fp === baseline) return "unchanged";
    try {
      const u = await take("checkpoint");
      // The marker from before packing: a change made while uploading is caught next time.
      baseline = fp;
      await saveBaseline(fp);
      last = { at: Date.now(), snapshotId: u.snapshotId, size: u.size };
      log(`checkpoint: ${u.snapshotId} (${formatBytes(u.size)}, ${u.parts} parts) verified`);
      return "uploaded";
    } catch (err) {
      if (err instanceof SnapshotsUnsupportedError) {
        log("checkpoint: the control plane keeps no snapshots; checkpoints are off");
        stopped = true;
        return "failed";
      }
      opts.report("checkpoint", `Checkpoint failed (trying again in the next interval): ${message(err)}`);
      return "failed";
    }
  }

  const schedule = () => {
    if (stopped || sleeping) return;
    timer = setTimeout(async () => {
      await exclusive(checkpoint);
      schedule();
    }, opts.checkpointIntervalMs);
  };

  return {
    async startCheckpoints() {
      baseline = await loadBaseline();
      if (baseline === null) {
        // A fresh clone or a restored snapshot: nothing here is unsaved yet.
        baseline = await fingerprint().catch(() => null);
        await saveBaseline(baseline);
      }
      schedule();
    },
    async sleepSnapshot() {
      sleeping = true;
      if (timer) clearTimeout(timer);
      for (let attempt = 0; !stopped; attempt++) {
        try {
          const u = await exclusive(() => take("sleep"));
          log(`sleep: snapshot ${u.snapshotId} (${formatBytes(u.size)}) verified`);
          return { snapshotId: u.snapshotId };
        } catch (err) {
          if (err instanceof SnapshotsUnsupportedError) return "unsupported";
          const wait = Math.max(sleepRetry.baseMs, backoffDelay(attempt, sleepRetry));
          opts.report(
            "sleep",
            `Could not save the workspace before sleeping: ${message(err)}. Trying again in ${Math.round(wait / 1000)} s; nothing is deleted until a snapshot is verified.`,
          );
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, wait);
          });
        }
      }
      return "stopped";
    },
    get lastCheckpoint() {
      return last;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
    },
  };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 1500);
}
