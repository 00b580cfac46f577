/** The end of a turn: status, the pull request (once), a notification, then the VM goes. */
import type { TaskResultRequest } from "@berth/protocol";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { type Task, taskMessages, tasks, type Workspace } from "../db/schema/index.ts";
import { openPullRequest } from "../github/pull-request.ts";
import { ApiError } from "../http/errors.ts";
import { notifyUser } from "../push/notify.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { stopWorkspace } from "../workspaces/service.ts";
import { loadWorkspace, recordEvent, updateWorkspace } from "../workspaces/store.ts";
import { taskForCallback } from "./agent.ts";
import { filesChanged, loadTask, updateTask, usageOf } from "./store.ts";

const firstLine = (text: string, max: number) => {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line || "Berth task";
};

async function pullRequestBody(deps: LifecycleDeps, task: Task, ws: Workspace, summary: string) {
  const usage = (await usageOf(deps.db, [task.id])).get(task.id);
  const files = await filesChanged(deps.db, task.id);
  const turns = task.turns;
  const run = [
    `${turns} turn${turns === 1 ? "" : "s"}`,
    `${task.commits} commit${task.commits === 1 ? "" : "s"}`,
    `${files} file${files === 1 ? "" : "s"} changed`,
    `Claude $${(usage?.costUsd ?? 0).toFixed(4)}`,
    `${usage?.input ?? 0} input / ${usage?.output ?? 0} output tokens`,
  ].join(", ");
  return `${summary || "(Claude left no summary.)"}\n\n---\nMade by Berth task \`${task.id}\` in workspace \`${ws.id}\`: ${run}.`;
}

/** Opens the task's pull request once; later turns push to the same branch and PR. */
async function openTaskPullRequest(deps: LifecycleDeps, task: Task, ws: Workspace): Promise<string | null> {
  try {
    await updateWorkspace(deps.db, ws.id, { gitBranch: task.branch });
    const pr = await openPullRequest(
      deps,
      { ...ws, gitBranch: task.branch },
      {
        title: firstLine(task.prompt, 72),
        body: await pullRequestBody(deps, task, ws, task.summary),
        ...(task.baseBranch ? { base: task.baseBranch } : {}),
      },
    );
    await updateTask(deps.db, task.id, { prNumber: pr.number, prUrl: pr.url }, deps.now());
    return null;
  } catch (err) {
    const why = err instanceof ApiError ? err.message : "GitHub failed";
    await recordEvent(deps.db, ws.id, "error", `task ${task.id}: the pull request was not opened: ${why}`);
    return `the pull request was not opened: ${why}`;
  }
}

async function followUpPending(deps: LifecycleDeps, taskId: string, turn: number) {
  const [row] = await deps.db
    .select({ seq: taskMessages.seq })
    .from(taskMessages)
    .where(and(eq(taskMessages.taskId, taskId), gt(taskMessages.seq, turn)))
    .limit(1);
  return row !== undefined;
}

/** The workspace sleeps (or goes, with when_done "delete") unless a follow-up waits to run. */
export async function releaseWorkspace(deps: LifecycleDeps, task: Task, ws: Workspace, why: string) {
  if (task.whenDone === "delete") return stopWorkspace(deps, ws, why, { hide: true });
  return stopWorkspace(deps, ws, why);
}

/**
 * One turn's result. A repeat of a turn already recorded changes nothing. Returns the workspace as
 * it is now (the caller reconciles it so the VM goes at once).
 */
export async function recordTurnResult(deps: LifecycleDeps, ws: Workspace, result: TaskResultRequest) {
  const task = await taskForCallback(deps, ws, result.task_id);
  const now = new Date(deps.now());
  const canceled = task.status === "canceled";
  const status = canceled ? "canceled" : result.outcome;
  const reason = result.outcome === "failed" ? (result.reason ?? "the turn failed") : null;
  const [won] = await deps.db
    .update(tasks)
    .set({
      status,
      reason: canceled ? task.reason : reason,
      turns: sql`${tasks.turns} + 1`,
      lastTurn: result.turn,
      commits: result.commits,
      headSha: result.head_sha,
      pushed: result.pushed,
      summary: result.summary,
      finishedAt: now,
      startedAt: task.startedAt ?? now,
      updatedAt: now,
    })
    .where(and(eq(tasks.id, task.id), or(isNull(tasks.lastTurn), lt(tasks.lastTurn, result.turn))))
    .returning();
  if (!won) return { task, workspace: ws };
  let current = won;
  const pending = await followUpPending(deps, task.id, result.turn);
  if (
    result.outcome === "succeeded" &&
    result.pushed &&
    result.commits > 0 &&
    current.prNumber === null &&
    !canceled
  ) {
    const problem = await openTaskPullRequest(deps, current, ws);
    current = (await loadTask(deps.db, task.id)) ?? current;
    if (problem) await updateTask(deps.db, task.id, { reason: problem }, deps.now());
  }
  if (pending && !canceled) {
    await updateTask(deps.db, task.id, { status: "running", finishedAt: null }, deps.now());
    return { task: (await loadTask(deps.db, task.id)) ?? current, workspace: ws };
  }
  if (!canceled) await notifyFinished(deps, current);
  const released = await releaseWorkspace(
    deps,
    current,
    ws,
    `task ${result.outcome === "succeeded" ? "done" : "failed"}`,
  );
  return {
    task: (await loadTask(deps.db, task.id)) ?? current,
    workspace: (await loadWorkspace(deps.db, ws.id)) ?? released,
  };
}

export async function notifyFinished(deps: LifecycleDeps, task: Task) {
  const ok = task.status === "succeeded";
  await notifyUser(deps, task.ownerId, {
    kind: ok ? "task_finished" : "task_failed",
    title: ok ? "Task done" : "Task failed",
    body: ok
      ? `${firstLine(task.prompt, 60)}${task.prUrl ? ` — PR #${task.prNumber}` : ""}`
      : `${firstLine(task.prompt, 60)}: ${task.reason ?? "failed"}`,
    url: `/#/t/${task.id}`,
    tag: `task-${task.id}`,
  });
}
