/** What a person does to a task: list, follow up, cancel, delete. */
import { errorCodes } from "@berth/protocol";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { type Task, taskMessages, tasks, type Workspace, workspaces } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { stopWorkspace, wake } from "../workspaces/service.ts";
import { loadWorkspace } from "../workspaces/store.ts";
import { appendMessage, loadTask, messagesOf, updateTask, usageOf } from "./store.ts";
import { releaseWorkspace } from "./turns.ts";
import { isFinished, type TaskView, taskView } from "./view.ts";

/** Full views of tasks with their workspaces (messages and usage in one query each). */
export async function taskViews(deps: LifecycleDeps, rows: Array<{ task: Task; workspace: Workspace }>) {
  const ids = rows.map((r) => r.task.id);
  const messages = await messagesOf(deps.db, ids);
  const usage = await usageOf(deps.db, ids);
  const now = deps.now();
  return rows.map((r) =>
    taskView(r.task, r.workspace, messages.get(r.task.id) ?? [], usage.get(r.task.id), now),
  );
}

export async function viewOf(deps: LifecycleDeps, task: Task, workspace: Workspace): Promise<TaskView> {
  const [view] = await taskViews(deps, [{ task, workspace }]);
  return view as TaskView;
}

/** Newest first; the cursor is "<created ms>_<id>" of the last task of the previous page. */
export async function listTasks(deps: LifecycleDeps, ownerId: string, limit: number, cursor?: string) {
  const filters = [eq(tasks.ownerId, ownerId)];
  if (cursor) {
    const [ms, id] = cursor.split("_") as [string, string];
    const at = new Date(Number(ms));
    const after = or(lt(tasks.createdAt, at), and(eq(tasks.createdAt, at), lt(tasks.id, id)));
    if (after) filters.push(after);
  }
  const rows = await deps.db
    .select()
    .from(tasks)
    .innerJoin(workspaces, eq(workspaces.id, tasks.workspaceId))
    .where(and(...filters))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map((r) => ({ task: r.tasks, workspace: r.workspaces }));
  const last = page.at(-1)?.task;
  return {
    tasks: await taskViews(deps, page),
    next_cursor: rows.length > limit && last ? `${last.createdAt.getTime()}_${last.id}` : null,
  };
}

const goneStates = ["deleted", "failed", "stopping"];

/**
 * A follow-up runs as the next turn, on the same branch. An asleep workspace is woken for it (within
 * the same limits as a create); one that is gone cannot run it (409).
 */
export async function postFollowUp(deps: LifecycleDeps, task: Task, ws: Workspace, text: string) {
  if (task.status === "canceled") throw new ApiError(409, errorCodes.conflict, "the task was canceled");
  if (ws.hidden || goneStates.includes(ws.state)) {
    throw new ApiError(
      409,
      errorCodes.conflict,
      `the task's workspace is ${ws.state}: it cannot run a follow-up`,
    );
  }
  let workspace = ws;
  if (ws.state === "asleep") workspace = await wake(deps, ws);
  const message = await appendMessage(deps.db, task.id, text, deps.now());
  // A finished task runs again; one still starting stays so until its VM has the job.
  if (isFinished(task.status)) {
    await updateTask(deps.db, task.id, { status: "running", reason: null, finishedAt: null }, deps.now());
  }
  return { message: { seq: message.seq, text: message.text, at: message.at.toISOString() }, workspace };
}

/** Canceled: nothing more runs; the workspace sleeps (or goes, per when_done). */
export async function cancelTask(deps: LifecycleDeps, task: Task, ws: Workspace) {
  if (isFinished(task.status)) {
    throw new ApiError(409, errorCodes.conflict, `the task is already ${task.status}`);
  }
  await updateTask(
    deps.db,
    task.id,
    { status: "canceled", reason: "canceled by its owner", finishedAt: new Date(deps.now()) },
    deps.now(),
  );
  const canceled = (await loadTask(deps.db, task.id)) ?? task;
  const released = await releaseWorkspace(deps, canceled, ws, "its task was canceled");
  return { task: canceled, workspace: released };
}

/** The task goes from the list; its workspace (and snapshots) are deleted like DELETE /api/workspaces/{id}. */
export async function deleteTask(deps: LifecycleDeps, task: Task, ws: Workspace) {
  const workspace = await stopWorkspace(deps, ws, "its task was deleted", { hide: true });
  const view = await viewOf(
    deps,
    isFinished(task.status) ? task : { ...task, status: "canceled" },
    workspace,
  );
  await deps.db.delete(tasks).where(eq(tasks.id, task.id));
  return { view, workspace };
}

/**
 * A follow-up sent while the workspace was falling asleep found no VM to run it: wake those
 * workspaces now (the cron sweep calls this). A wake refused by a limit waits for the next sweep.
 */
export async function wakeForFollowUps(deps: LifecycleDeps): Promise<string[]> {
  const rows = await deps.db
    .select({ task: tasks, workspace: workspaces })
    .from(tasks)
    .innerJoin(workspaces, eq(workspaces.id, tasks.workspaceId))
    .where(
      and(
        eq(workspaces.state, "asleep"),
        eq(workspaces.hidden, false),
        eq(tasks.status, "running"),
        sql`exists (select 1 from ${taskMessages} where ${taskMessages.taskId} = ${tasks.id} and ${taskMessages.seq} > coalesce(${tasks.lastTurn}, 0))`,
      ),
    )
    .limit(20);
  const woken: string[] = [];
  for (const { workspace } of rows) {
    try {
      const fresh = await loadWorkspace(deps.db, workspace.id);
      if (fresh?.state === "asleep") woken.push((await wake(deps, fresh)).id);
    } catch {
      // A limit or budget: the next sweep tries again.
    }
  }
  return woken;
}
