/** The VM side of a task: bootstrap's TaskSpec, event batches, follow-ups polled by the agent. */
import { errorCodes, type TaskEvent, type TaskSpec, taskLimits } from "@berth/protocol";
import { and, eq } from "drizzle-orm";
import { type Task, tasks, type Workspace } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { insertEvents, lastEventSeq, messagesAfter, taskOfWorkspace } from "./store.ts";

/** The workspace's task, and the agent must be talking about that one. */
export async function taskForCallback(deps: LifecycleDeps, ws: Workspace, taskId?: string): Promise<Task> {
  const task = ws.mode === "task" ? await taskOfWorkspace(deps.db, ws.id) : null;
  if (!task) throw new ApiError(409, errorCodes.conflict, "this workspace runs no task");
  if (taskId !== undefined && taskId !== task.id) {
    throw new ApiError(409, errorCodes.conflict, `this workspace runs task ${task.id}, not ${taskId}`);
  }
  return task;
}

/** starting -> running: the agent has the job (bootstrap redeemed, or its first event arrived). */
export async function markStarted(deps: LifecycleDeps, task: Task) {
  if (task.status !== "starting") return;
  await deps.db
    .update(tasks)
    .set({ status: "running", startedAt: new Date(deps.now()), updatedAt: new Date(deps.now()) })
    .where(and(eq(tasks.id, task.id), eq(tasks.status, "starting")));
}

/**
 * Bootstrap's `task` for a task workspace (null for an interactive one). On a wake, last_turn says
 * what already ran, so the agent goes on with the follow-ups instead of the prompt again.
 */
export async function taskSpecFor(deps: LifecycleDeps, ws: Workspace): Promise<TaskSpec | null> {
  if (ws.mode !== "task") return null;
  const task = await taskOfWorkspace(deps.db, ws.id);
  if (!task) return null;
  await markStarted(deps, task);
  return {
    id: task.id,
    prompt: task.prompt,
    branch: task.branch,
    base_branch: task.baseBranch,
    max_minutes: task.maxMinutes,
    permission_mode: task.permissionMode,
    // Without the GitHub App there is nowhere to push to (a public clone).
    commit_and_push: ws.githubRepository !== null,
    last_turn: task.lastTurn,
    // A woken VM's agent numbers its events after these (a repeated seq would be dropped).
    last_seq: await lastEventSeq(deps.db, task.id),
  };
}

export async function recordTaskEvents(
  deps: LifecycleDeps,
  ws: Workspace,
  taskId: string,
  events: TaskEvent[],
) {
  const task = await taskForCallback(deps, ws, taskId);
  const stored = await insertEvents(deps.db, task.id, events, deps.now());
  await markStarted(deps, task);
  return { stored };
}

export async function followUpsFor(deps: LifecycleDeps, ws: Workspace, after: number) {
  const task = await taskForCallback(deps, ws);
  // A canceled task runs nothing more, whatever was sent before the cancel. A workspace on its way to
  // sleep starts no turn its VM could not finish: the wake's new VM runs it (bootstrap's last_turn).
  const idle = task.status === "canceled" || !["booting", "ready"].includes(ws.state);
  const rows = idle ? [] : await messagesAfter(deps.db, task.id, after, taskLimits.messagesPerPage);
  return {
    task_id: task.id,
    messages: rows.map((m) => ({ seq: m.seq, text: m.text, at: m.at.toISOString() })),
  };
}
