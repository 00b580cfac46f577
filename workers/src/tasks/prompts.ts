/**
 * Prompts (issue #15, point 4): one headless Claude turn sent to a person's interactive workspace.
 * It is a task row of kind "prompt" linked to that workspace, so the task API, its timeline and the
 * task page work for it unchanged; but it has no branch of its own, commits and pushes nothing,
 * opens no pull request and leaves the workspace as it is. The agent hears of it through the
 * heartbeat answer (HeartbeatResponse.prompt_task), in every answer while it is unfinished.
 */
import { errorCodes, type TaskSpec } from "@berth/protocol";
import { and, desc, eq, inArray } from "drizzle-orm";
import { type Task, tasks, type Workspace } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { randomTaskId, taskDefaults } from "./create.ts";
import { lostPrompt } from "./view.ts";

/** The workspace's newest prompt that has not finished (and still can). */
async function unfinishedPrompt(deps: LifecycleDeps, ws: Workspace): Promise<Task | null> {
  const [row] = await deps.db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, ws.id),
        eq(tasks.kind, "prompt"),
        inArray(tasks.status, ["starting", "running"]),
      ),
    )
    .orderBy(desc(tasks.createdAt))
    .limit(1);
  return row && lostPrompt(row, ws) === null ? row : null;
}

/** A prompt for a ready interactive workspace; one at a time. */
export async function createPrompt(deps: LifecycleDeps, ws: Workspace, text: string): Promise<Task> {
  if (ws.mode !== "interactive") {
    throw new ApiError(
      409,
      errorCodes.conflict,
      "this is a task's workspace: send a follow-up to its task (POST /api/tasks/{id}/messages)",
    );
  }
  if (ws.state !== "ready") {
    throw new ApiError(409, errorCodes.conflict, `the workspace is ${ws.state}: a prompt needs it ready`);
  }
  const running = await unfinishedPrompt(deps, ws);
  if (running) {
    throw new ApiError(409, errorCodes.conflict, `prompt ${running.id} is still running in this workspace`);
  }
  const now = new Date(deps.now());
  const id = randomTaskId();
  const task: Task = {
    id,
    ownerId: ws.ownerId,
    workspaceId: ws.id,
    kind: "prompt",
    prompt: text,
    baseBranch: null,
    // The person's branch as last reported; the result says which one it ran on.
    branch: ws.gitBranch ?? "HEAD",
    status: "starting",
    reason: null,
    maxMinutes: taskDefaults.maxMinutes,
    permissionMode: taskDefaults.permissionMode,
    whenDone: "sleep",
    turns: 0,
    lastTurn: null,
    commits: 0,
    headSha: null,
    pushed: false,
    summary: "",
    prNumber: null,
    prUrl: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
  await deps.db.insert(tasks).values(task);
  return task;
}

/** The heartbeat answer's prompt_task: the unfinished prompt, as a TaskSpec of mode "prompt". */
export async function promptSpecFor(deps: LifecycleDeps, ws: Workspace): Promise<TaskSpec | null> {
  if (ws.mode !== "interactive") return null;
  const task = await unfinishedPrompt(deps, ws);
  if (!task) return null;
  return {
    id: task.id,
    prompt: task.prompt,
    branch: task.branch,
    base_branch: null,
    max_minutes: task.maxMinutes,
    permission_mode: task.permissionMode,
    commit_and_push: false,
    last_turn: task.lastTurn,
    mode: "prompt",
  };
}

/** A prompt of this workspace, by the id the agent names (only that kind reaches an interactive one). */
export async function promptForCallback(deps: LifecycleDeps, ws: Workspace, taskId?: string) {
  if (taskId === undefined) throw new ApiError(409, errorCodes.conflict, "a prompt takes no follow-ups");
  const [row] = await deps.db
    .select()
    .from(tasks)
    .where(and(eq(tasks.id, taskId), eq(tasks.workspaceId, ws.id), eq(tasks.kind, "prompt")));
  if (!row) throw new ApiError(409, errorCodes.conflict, `this workspace has no prompt ${taskId}`);
  return row;
}
