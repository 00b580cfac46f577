import { errorCodes, type TaskPermissionMode, taskBranch } from "@berth/protocol";
import type { Task, TaskWhenDone, Workspace } from "../db/schema/index.ts";
import { tasks } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { createWorkspace, stopWorkspace } from "../workspaces/service.ts";

export interface CreateTaskInput {
  /** "owner/name" (a repository on the GitHub the App is installed on) or a repository URL. */
  repo: string;
  prompt: string;
  base_branch?: string | undefined;
  server_type?: string | undefined;
  max_minutes?: number | undefined;
  permission_mode?: TaskPermissionMode | undefined;
  when_done?: TaskWhenDone | undefined;
}

export const taskDefaults = { maxMinutes: 30, permissionMode: "acceptEdits", whenDone: "sleep" } as const;

/** "owner/name" is short for the repository on this Berth's GitHub; anything else is a URL. */
export function repoUrlOf(deps: LifecycleDeps, repo: string): string {
  return /^[\w.-]+\/[\w.-]+$/.test(repo)
    ? `${deps.github.settings.webUrl}/${repo.replace(/\.git$/, "")}.git`
    : repo;
}

export function randomTaskId(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(11));
  return `t${[...bytes].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

/**
 * A task is a workspace in task mode plus the job: the workspace goes through every check a
 * workspace create does (allowed server type, limits, budget, the GitHub App's access) before any
 * row exists. The prompt stays in D1: the VM gets it from bootstrap, never from user_data.
 */
export async function createTask(
  deps: LifecycleDeps,
  ownerId: string,
  input: CreateTaskInput,
): Promise<{ task: Task; workspace: Workspace }> {
  const maxMinutes = input.max_minutes ?? taskDefaults.maxMinutes;
  // Past the VM's maximum lifetime the turn would be cut short without a word: refuse it now.
  const lifetimeMinutes = Math.floor(deps.settings.maxLifetimeMs / 60_000);
  if (maxMinutes > lifetimeMinutes) {
    const detail = `max_minutes must be at most ${lifetimeMinutes}: a VM of this Berth lives at most that long (MAX_LIFETIME_HOURS)`;
    throw new ApiError(422, errorCodes.validation, detail, {
      details: [{ path: "max_minutes", message: detail }],
    });
  }
  const { workspace } = await createWorkspace(
    deps,
    ownerId,
    {
      repo_url: repoUrlOf(deps, input.repo),
      branch: input.base_branch,
      server_type: input.server_type,
      // The VM must not idle out while Claude works alone: a turn may take max_minutes.
      idle_timeout_minutes: Math.min(
        1440,
        Math.max(deps.settings.defaultIdleTimeoutMinutes, maxMinutes + 10),
      ),
      mode: "task",
    },
    null,
  );
  const id = randomTaskId();
  const now = new Date(deps.now());
  const task: Task = {
    id,
    ownerId,
    workspaceId: workspace.id,
    prompt: input.prompt,
    baseBranch: input.base_branch ?? null,
    branch: taskBranch(id),
    status: "starting",
    reason: null,
    maxMinutes,
    permissionMode: input.permission_mode ?? taskDefaults.permissionMode,
    whenDone: input.when_done ?? taskDefaults.whenDone,
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
  try {
    await deps.db.insert(tasks).values(task);
  } catch (err) {
    // No task, no reason for its workspace: it goes before it costs anything.
    await stopWorkspace(deps, workspace, "its task could not be stored", { hide: true });
    throw err;
  }
  return { task, workspace };
}
