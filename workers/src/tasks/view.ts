import type { Task, TaskMessageRow, TaskStatus, Workspace } from "../db/schema/index.ts";
import type { TaskUsage } from "./store.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const finishedStatuses: readonly TaskStatus[] = ["succeeded", "failed", "canceled"];
export const isFinished = (status: TaskStatus) => finishedStatuses.includes(status);

/**
 * The status a person sees: a task whose workspace failed or was deleted before the task ended
 * failed with it (nothing will ever report its turn).
 */
export function effectiveStatus(
  task: Task,
  ws: Workspace,
  followUpWaiting = false,
): { status: TaskStatus; reason: string | null } {
  if (isFinished(task.status)) return { status: task.status, reason: task.reason };
  const why = ws.stateReason ?? "unknown reason";
  if (ws.state === "failed" || ws.state === "deleted") {
    return { status: "failed", reason: `the workspace ${ws.state}: ${why}` };
  }
  // Asleep with nothing to wake it for: the VM went (idle, its lifetime) before the turn finished.
  if (ws.state === "asleep" && !followUpWaiting) {
    return { status: "failed", reason: `the workspace fell asleep before the turn finished: ${why}` };
  }
  return { status: task.status, reason: task.reason };
}

/** VM minutes so far × the hourly price; earlier VMs (before a sleep) as they were billed. */
export function vmCostEur(ws: Workspace, now: number): number {
  const price = ws.hourlyPrice ?? 0;
  const start = ws.serverCreatedAt?.getTime();
  const end = ws.endedAt?.getTime() ?? now;
  const minutes = start === undefined ? 0 : Math.max(0, Math.ceil((end - start) / 60_000));
  return Math.round((ws.priorCostEur + (minutes * price) / 60) * 10_000) / 10_000;
}

/**
 * Message states: done once its turn finished; running while it is the next turn of a running task
 * (after the prompt's turn: before that, the prompt runs); else pending.
 */
function messageViews(task: Task, status: TaskStatus, messages: TaskMessageRow[]) {
  const done = task.lastTurn ?? -1;
  const next = task.lastTurn === null ? undefined : messages.find((m) => m.seq > done)?.seq;
  return messages.map((m) => ({
    seq: m.seq,
    text: m.text,
    at: m.at.toISOString(),
    state:
      m.seq <= done
        ? ("done" as const)
        : m.seq === next && status === "running"
          ? ("running" as const)
          : ("pending" as const),
  }));
}

export function taskView(
  task: Task,
  ws: Workspace,
  messages: TaskMessageRow[],
  usage: TaskUsage | undefined,
  now: number,
) {
  const waiting = messages.some((m) => m.seq > (task.lastTurn ?? 0));
  const { status, reason } = effectiveStatus(task, ws, waiting);
  return {
    id: task.id,
    workspace_id: task.workspaceId,
    repo: ws.githubRepository ?? ws.repoUrl,
    prompt: task.prompt,
    base_branch: task.baseBranch,
    branch: task.branch,
    status,
    reason,
    turns: task.turns,
    messages: messageViews(task, status, messages),
    pr: task.prNumber !== null && task.prUrl ? { number: task.prNumber, url: task.prUrl } : null,
    commits: task.commits,
    head_sha: task.headSha,
    pushed: task.pushed,
    summary: task.summary,
    tokens: { input: usage?.input ?? 0, output: usage?.output ?? 0 },
    claude_cost_usd: Math.round((usage?.costUsd ?? 0) * 1_000_000) / 1_000_000,
    vm_cost_eur: vmCostEur(ws, now),
    max_minutes: task.maxMinutes,
    permission_mode: task.permissionMode,
    when_done: task.whenDone,
    workspace_state: ws.state,
    created_at: task.createdAt.toISOString(),
    started_at: iso(task.startedAt),
    finished_at: iso(task.finishedAt),
  };
}

export type TaskView = ReturnType<typeof taskView>;
