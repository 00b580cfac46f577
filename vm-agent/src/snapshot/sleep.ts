/**
 * Going to sleep, once: a verified snapshot first, then the shutdown that names it. Never a
 * shutdown without one, except against a control plane that has no snapshot endpoint at all
 * (which deletes on shutdown as it always did, and the person is told).
 */
import type { ShutdownRequest } from "@berth/protocol/agent";
import type { SnapshotService } from "./service.ts";

type Reason = ShutdownRequest["reason"];

const reasons: Record<Reason, string> = {
  idle: "idle",
  max_lifetime: "maximum lifetime reached",
  user: "asked by its owner",
  boot_failed: "boot failed",
};

export interface SleepDeps {
  /** Null until the workspace is ready (sleeping needs the runtime that holds the home). */
  service(): SnapshotService | null;
  report(step: string, message: string): void;
  banner(text: string): void;
  /** Resolves once the progress lines sent so far are out. */
  flush(): Promise<unknown>;
  shutdown(reason: Reason, snapshotId?: string): Promise<unknown>;
  onStart(): void;
}

/** Returns `goToSleep(reason)`: the first call while ready decides; later calls are no-ops. */
export function createSleeper(deps: SleepDeps): (reason: Reason) => void {
  let sleeping: Promise<void> | null = null;
  return (reason) => {
    const service = deps.service();
    if (sleeping || !service) return;
    deps.onStart();
    const why = reasons[reason];
    deps.banner(`Berth: this workspace is going to sleep (${why}). Saving your work…`);
    deps.report("sleep", `Going to sleep (${why}): saving the workspace`);
    sleeping = (async () => {
      const result = await service.sleepSnapshot();
      if (result === "stopped") return; // the agent is stopping
      if (result === "unsupported") {
        deps.report("sleep", "This control plane keeps no snapshots: the workspace is deleted without one");
        await deps.flush();
        await deps.shutdown(reason);
        return;
      }
      deps.report("sleep", `Snapshot ${result.snapshotId} verified; switching off`);
      deps.banner("Berth: your work is saved. This workspace is going to sleep.");
      await deps.flush();
      await deps.shutdown(reason, result.snapshotId);
    })();
  };
}
