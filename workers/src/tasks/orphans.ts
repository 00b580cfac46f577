import { and, eq, inArray } from "drizzle-orm";
import { tasks, workspaces } from "../db/schema/index.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { messagesOf } from "./store.ts";
import { notifyFinished } from "./turns.ts";
import { effectiveStatus } from "./view.ts";

/**
 * Tasks whose VM went before their turn reported (the workspace failed, was deleted, or fell asleep
 * with no follow-up to wake it for) fail for good, and their owner is told. The cron sweep calls it;
 * until then the API already shows them failed (effectiveStatus).
 */
export async function failOrphanedTasks(deps: LifecycleDeps): Promise<string[]> {
  const rows = await deps.db
    .select({ task: tasks, workspace: workspaces })
    .from(tasks)
    .innerJoin(workspaces, eq(workspaces.id, tasks.workspaceId))
    .where(
      and(
        inArray(tasks.status, ["starting", "running"]),
        inArray(workspaces.state, ["failed", "deleted", "asleep"]),
      ),
    )
    .limit(50);
  const messages = await messagesOf(
    deps.db,
    rows.map((r) => r.task.id),
  );
  const failed: string[] = [];
  for (const { task, workspace } of rows) {
    const waiting = (messages.get(task.id) ?? []).some((m) => m.seq > (task.lastTurn ?? 0));
    const { status, reason } = effectiveStatus(task, workspace, waiting);
    if (status !== "failed") continue;
    const [won] = await deps.db
      .update(tasks)
      .set({ status, reason, finishedAt: new Date(deps.now()), updatedAt: new Date(deps.now()) })
      .where(and(eq(tasks.id, task.id), eq(tasks.status, task.status)))
      .returning();
    if (!won) continue;
    await notifyFinished(deps, won);
    failed.push(task.id);
  }
  return failed;
}
