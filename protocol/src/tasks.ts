import { z } from "zod";
import {
  taskEventKinds,
  taskIdPattern,
  taskLimits,
  taskModes,
  taskOutcomes,
  taskPermissionModes,
} from "./task-kinds.ts";

export * from "./task-kinds.ts";

/**
 * Tasks: Claude Code headless in the workspace, on its own branch (issue #15). The VM side:
 *
 * 1. Bootstrap's `task` (TaskSpec) tells the agent to run one. After boot (workspace ready) the agent
 *    switches to `branch` (created from origin's `base_branch` when new) and runs turn 0: `claude -p
 *    --output-format stream-json --verbose --permission-mode <mode>` in the devcontainer (the host in
 *    local mode), the prompt on stdin. Every turn is limited to `max_minutes`.
 * 2. While it runs, the timeline goes to POST callbackPaths.taskEvents in batches (TaskEventsRequest):
 *    `seq` counts from 1 over the whole task (all turns) and never repeats; a batch may be sent again
 *    after a lost answer, so the control plane keeps the first event per (task, seq) and ignores
 *    repeats. Answer 2xx (body ignored); a 4xx other than 408/429 drops the batch.
 * 3. At the end of each turn, after all its events are acknowledged, POST callbackPaths.taskResult
 *    (TaskResultRequest). With `commit_and_push`, the agent first commits what Claude left
 *    uncommitted (as the person: bootstrap's git identity) and pushes the branch through the
 *    GitHub App credential helper; a failed push makes the turn `failed` with the reason.
 * 4. Follow-ups: the agent polls GET callbackPaths.taskMessages?after=<seq> (TaskMessagesResponse),
 *    every few seconds while the VM runs. Each message with seq > the last one handled runs as the
 *    next turn (`turn` = the message's seq), continuing Claude's conversation (`--resume <session>`,
 *    else `--continue`), on the same branch, one at a time, in seq order.
 * 5. After a wake, bootstrap's `task.last_turn` says which turns already ran (no repeat of the
 *    prompt); a restart of the agent itself reads its own state file.
 *
 * Prompts (POST /api/workspaces/{id}/prompts): a person's interactive workspace gets a TaskSpec with
 * `mode: "prompt"` in the heartbeat answer's `prompt_task`, in every answer while that prompt is
 * unfinished (a lost answer or a restarted agent loses nothing); the agent runs each id once (its
 * state file says which one ran). It runs turn 0 only, in a new Claude session (no --continue: the
 * person's own session stays theirs), in the working tree as it is: no branch switch, no commit, no
 * push (`commit_and_push` is false), no follow-ups. Events and the result go to the same callbacks;
 * the result's `branch` is the branch checked out then. When an answer stops naming the prompt that
 * runs (canceled), the agent kills that turn and reports nothing more.
 */

/** Bootstrap's `task`: the job this workspace was created for. */
export const taskSpecSchema = z.object({
  id: z.string().regex(taskIdPattern),
  prompt: z.string().min(1).max(taskLimits.promptChars),
  /** `berth/<id>` (taskBranch) for a task; for a prompt, the person's branch when it was sent (informational). */
  branch: z.string().min(1).max(255),
  /** The branch to start from (on origin); null = the repository's default branch (origin/HEAD). */
  base_branch: z.string().min(1).max(255).nullable(),
  /** Each turn's time limit: the agent kills Claude (its whole process group) and reports failed. */
  max_minutes: z.number().int().min(1).max(taskLimits.maxMinutes),
  permission_mode: z.enum(taskPermissionModes),
  /** Commit what is left and push the branch at the end of every turn. */
  commit_and_push: z.boolean(),
  /**
   * On a wake: the last turn already finished (0 = the prompt, n = follow-up message seq n). Absent
   * or null = nothing ran yet: start with the prompt.
   */
  last_turn: z.number().int().min(0).nullable().optional(),
  /** Absent = "task" (control planes before prompts). */
  mode: z.enum(taskModes).optional(),
  /**
   * On a wake: the highest event seq the control plane holds for the task. The new VM's agent has
   * no state file yet, and its events go on after this one (seqs already taken would be dropped as
   * repeats). Absent or null = none yet.
   */
  last_seq: z.number().int().min(0).nullable().optional(),
});
export type TaskSpec = z.infer<typeof taskSpecSchema>;

export const taskTokensSchema = z.object({
  input: z.number().int().min(0),
  output: z.number().int().min(0),
  cache_read: z.number().int().min(0).optional(),
  cache_creation: z.number().int().min(0).optional(),
});
export type TaskTokens = z.infer<typeof taskTokensSchema>;

export const taskFileChangeSchema = z.object({
  path: z.string().min(1).max(1000),
  /** From `git status`: added (new, untracked or staged), modified, deleted, renamed. */
  change: z.enum(["added", "modified", "deleted", "renamed"]),
});
export type TaskFileChange = z.infer<typeof taskFileChangeSchema>;

/**
 * One line of the timeline, summarised on the VM (never Claude's raw stream).
 * - turn_started: text = the prompt or follow-up (cut).
 * - message: Claude's text to the person.
 * - tool_call: tool (e.g. "Edit"), input_summary (e.g. the file path or the command), tool_use_id.
 * - tool_result: tool, tool_use_id, is_error, text = the result's first lines.
 * - files_changed: files = the working tree's changes against HEAD after a tool ran (only when it
 *   differs from the last such event).
 * - usage: once per turn, from Claude's final `result`: tokens and cost_usd of that turn. The
 *   task's cost is the sum of its usage events.
 * - error: an API error or the agent's own trouble (a failed push, the time limit).
 * - turn_finished: text = "succeeded" or "failed: <reason>".
 */
export const taskEventSchema = z.object({
  seq: z.number().int().min(1),
  at: z.iso.datetime(),
  /** 0 = the prompt's turn, n = the turn of follow-up message n. */
  turn: z.number().int().min(0),
  kind: z.enum(taskEventKinds),
  text: z.string().max(taskLimits.eventTextChars),
  tool: z.string().min(1).max(100).optional(),
  tool_use_id: z.string().min(1).max(100).optional(),
  input_summary: z.string().max(taskLimits.inputSummaryChars).optional(),
  is_error: z.boolean().optional(),
  files: z.array(taskFileChangeSchema).max(taskLimits.eventFiles).optional(),
  tokens: taskTokensSchema.optional(),
  cost_usd: z.number().min(0).optional(),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

/** POST callbackPaths.taskEvents. */
export const taskEventsRequestSchema = z.object({
  task_id: z.string().regex(taskIdPattern),
  events: z.array(taskEventSchema).min(1).max(taskLimits.eventsPerBatch),
});
export type TaskEventsRequest = z.infer<typeof taskEventsRequestSchema>;

export const taskMessageSchema = z.object({
  /** Counts from 1 per task; the turn that runs it has this number. */
  seq: z.number().int().min(1),
  text: z.string().min(1).max(taskLimits.promptChars),
  at: z.iso.datetime(),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

/** Answer of GET callbackPaths.taskMessages?after=<seq>: messages with seq > after, oldest first. */
export const taskMessagesResponseSchema = z.object({
  task_id: z.string().regex(taskIdPattern),
  messages: z.array(taskMessageSchema).max(taskLimits.messagesPerPage),
});
export type TaskMessagesResponse = z.infer<typeof taskMessagesResponseSchema>;

/** POST callbackPaths.taskResult: the end of one turn. Sent once per turn (retried until 2xx or 4xx). */
export const taskResultRequestSchema = z.object({
  task_id: z.string().regex(taskIdPattern),
  turn: z.number().int().min(0),
  outcome: z.enum(taskOutcomes),
  /** Why it failed, for the person: "max_minutes reached", "claude exited with code 1: …", "git push failed: …". */
  reason: z.string().min(1).max(2000).optional(),
  branch: z.string().min(1).max(255),
  /** Commits on the branch that the base branch does not have. */
  commits: z.number().int().min(0),
  /** The branch's last commit (null when the repository has none). */
  head_sha: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .nullable(),
  /** True when origin has the branch at head_sha. */
  pushed: z.boolean(),
  /** Claude's final answer of the turn (for the pull request's body), cut; "" when none. */
  summary: z.string().max(taskLimits.summaryChars),
  /** This turn's totals (the same as its usage event), when Claude reported them. */
  tokens: taskTokensSchema.optional(),
  cost_usd: z.number().min(0).optional(),
});
export type TaskResultRequest = z.infer<typeof taskResultRequestSchema>;
