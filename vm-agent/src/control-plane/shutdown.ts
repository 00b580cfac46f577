import type { ShutdownRequest } from "@berth/protocol/agent";
import type { ControlPlaneClient } from "./client.ts";
import { backoffDelay, type RetryPolicy } from "./retry.ts";

export interface ShutdownRequester {
  /**
   * Asks the control plane to delete this VM. The first call decides; later calls (any reason)
   * return the same promise, so one decision makes one successful request however often it is
   * asked. Retries until it succeeds or the control plane refuses for good (a 4xx: the
   * workspace is already stopping or gone).
   */
  request(reason: ShutdownRequest["reason"], detail?: string, snapshotId?: string): Promise<boolean>;
  readonly state: "none" | "pending" | "done" | "refused";
}

export function createShutdownRequester(opts: {
  client: ControlPlaneClient;
  /** Backoff for the client's retries; a finite policy makes this loop start new rounds. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<unknown>;
  log?: (msg: string) => void;
}): ShutdownRequester {
  const retry = opts.retry ?? { attempts: Number.POSITIVE_INFINITY, baseMs: 1000, maxMs: 60_000 };
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  let state: ShutdownRequester["state"] = "none";
  let pending: Promise<boolean> | null = null;

  async function run(
    reason: ShutdownRequest["reason"],
    detail?: string,
    snapshotId?: string,
  ): Promise<boolean> {
    const body: ShutdownRequest = { reason };
    if (detail) body.detail = detail.slice(0, 2000);
    if (snapshotId) body.snapshot_id = snapshotId;
    for (let round = 0; ; round++) {
      // The client retries (honouring Retry-After) up to retry.attempts, by default forever.
      const r = await opts.client.shutdown(body, retry);
      if (r.ok) {
        state = "done";
        opts.log?.(`shutdown: requested (${reason}${snapshotId ? `, snapshot ${snapshotId}` : ""})`);
        return true;
      }
      if (!r.retryable) {
        state = "refused";
        opts.log?.(`shutdown: refused: ${r.error}`);
        return false;
      }
      opts.log?.(`shutdown: ${r.error}; retrying`);
      await sleep(backoffDelay(round, retry));
    }
  }

  return {
    request(reason, detail, snapshotId) {
      if (!pending) {
        state = "pending";
        pending = run(reason, detail, snapshotId);
      }
      return pending;
    },
    get state() {
      return state;
    },
  };
}
