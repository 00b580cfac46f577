/**
 * Tasks (issue #15): constants both sides share. Zod-free, so the VM agent can import it (agent.ts);
 * the schemas are in tasks.ts.
 */

/** Claude Code's `--permission-mode` values a task may run with. */
export const taskPermissionModes = [
  "default",
  "acceptEdits",
  "plan",
  "dontAsk",
  "bypassPermissions",
] as const;
export type TaskPermissionMode = (typeof taskPermissionModes)[number];

/**
 * What a TaskSpec asks for: "task" = a task workspace's job on its own branch (commit, push,
 * follow-ups); "prompt" = one headless turn in a person's interactive workspace, in a new Claude
 * session, on whatever branch the person has checked out: no checkout, no commit, no push.
 */
export const taskModes = ["task", "prompt"] as const;
export type TaskMode = (typeof taskModes)[number];

/** What a timeline event is about (TaskEvent.kind). */
export const taskEventKinds = [
  "turn_started",
  "message",
  "tool_call",
  "tool_result",
  "files_changed",
  "usage",
  "error",
  "turn_finished",
] as const;
export type TaskEventKind = (typeof taskEventKinds)[number];

export const taskOutcomes = ["succeeded", "failed"] as const;
export type TaskOutcome = (typeof taskOutcomes)[number];

/** Every task works on its own branch: `berth/<task id>`. */
export const taskBranchPrefix = "berth/";
export const taskBranch = (taskId: string) => `${taskBranchPrefix}${taskId}`;
/** A task id is safe in a branch name and a path. */
export const taskIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const taskLimits = {
  /** The prompt and each follow-up message. */
  promptChars: 100_000,
  /** One event's `text` (the agent cuts longer texts and ends them with "…"). */
  eventTextChars: 2000,
  /** One event's `input_summary`. */
  inputSummaryChars: 500,
  /** Files named in one files_changed event (the text still says how many changed). */
  eventFiles: 100,
  /** Events in one POST of callbackPaths.taskEvents. */
  eventsPerBatch: 100,
  /** The result's summary (Claude's final answer, cut). */
  summaryChars: 20_000,
  /** Follow-up messages in one answer of callbackPaths.taskMessages. */
  messagesPerPage: 50,
  /** A turn's time limit. */
  maxMinutes: 24 * 60,
} as const;
