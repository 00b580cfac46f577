import type { CreateTaskInput, ErrorDetail, Task, TaskEvent, TaskStatus } from "../api/types.ts";
import type { FieldErrors } from "./validation.ts";
import { validateBranch } from "./validation.ts";

export const taskStatusLabels: Record<TaskStatus, string> = {
  starting: "Starting",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};

const finished: readonly TaskStatus[] = ["succeeded", "failed", "canceled"];
/** Nothing runs any more (until a follow-up moves it back to running). */
export const isTaskFinished = (s: TaskStatus) => finished.includes(s);

/** The prompt's first non-empty line, for lists and titles. */
export function firstLine(text: string, max = 120): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

/**
 * `incoming` added to `known`, each seq once (the first copy wins: the VM never changes an event),
 * oldest first. SSE, its reconnects and the polling fallback may all deliver the same event.
 */
export function mergeEvents(known: readonly TaskEvent[], incoming: readonly TaskEvent[]): TaskEvent[] {
  if (incoming.length === 0) return known as TaskEvent[];
  const seen = new Set(known.map((e) => e.seq));
  const fresh = incoming.filter((e) => {
    if (seen.has(e.seq)) return false;
    seen.add(e.seq);
    return true;
  });
  if (fresh.length === 0) return known as TaskEvent[];
  const last = known.at(-1)?.seq ?? 0;
  const merged = [...known, ...fresh];
  // Usually appended in order; sort only when something arrived out of order.
  return fresh.every((e, i) => e.seq > (i === 0 ? last : (fresh[i - 1] as TaskEvent).seq))
    ? merged
    : merged.sort((a, b) => a.seq - b.seq);
}

/** US dollars as Claude reports them: cents, or up to 4 decimals for small sums. */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value === 0) return "$0.00";
  return `$${value.toFixed(value >= 0.1 ? 2 : 4)}`;
}

/** 950 -> "950", 12345 -> "12.3k", 2_500_000 -> "2.5M". */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Follow-ups not yet finished, oldest first. */
export const openMessages = (task: Task) => task.messages.filter((m) => m.state !== "done");

/** What the Delete dialog says is lost. */
export function whatTaskDeleteLoses(task: Task): string {
  const kept = task.pr
    ? `The pull request #${task.pr.number} and the pushed branch stay on GitHub.`
    : task.pushed
      ? `The pushed branch ${task.branch} stays on GitHub.`
      : "Nothing was pushed to GitHub yet: the work exists only in the workspace.";
  return `The task leaves your list. Its workspace, its snapshot and any work not pushed (uncommitted changes, Claude's conversation) are deleted. ${kept}`;
}

// ---- The "New task" form ----

export interface TaskForm {
  repo: string;
  prompt: string;
  baseBranch: string;
  serverType: string;
  maxMinutes: string;
  whenDone: "sleep" | "delete";
}
export type TaskField = keyof TaskForm;

export const maxMinutesBounds = { min: 1, max: 1440, default: 30 } as const;
const promptChars = 100_000;

export function validateTaskForm(form: TaskForm): FieldErrors<TaskField> {
  const errors: FieldErrors<TaskField> = {};
  const repo = form.repo.trim();
  if (!repo) errors.repo = "Choose a repository.";
  else if (/\s/.test(repo)) errors.repo = "The repository must not contain spaces.";
  if (!form.prompt.trim()) errors.prompt = "Say what Claude should do.";
  else if (form.prompt.length > promptChars)
    errors.prompt = "The prompt is too long (at most 100,000 characters).";
  const branch = validateBranch(form.baseBranch);
  if (branch) errors.baseBranch = branch;
  const minutes = form.maxMinutes.trim();
  const { min, max } = maxMinutesBounds;
  if (minutes && (!/^\d+$/.test(minutes) || Number(minutes) < min || Number(minutes) > max)) {
    errors.maxMinutes = `Enter whole minutes between ${min} and ${max}.`;
  }
  return errors;
}

export function toCreateTaskInput(form: TaskForm): CreateTaskInput {
  const input: CreateTaskInput = {
    repo: form.repo.trim(),
    prompt: form.prompt,
    when_done: form.whenDone,
  };
  if (form.baseBranch.trim()) input.base_branch = form.baseBranch.trim();
  if (form.serverType) input.server_type = form.serverType;
  if (form.maxMinutes.trim()) input.max_minutes = Number(form.maxMinutes.trim());
  return input;
}

const apiFieldToTaskField: Record<string, TaskField> = {
  repo: "repo",
  prompt: "prompt",
  base_branch: "baseBranch",
  server_type: "serverType",
  max_minutes: "maxMinutes",
  when_done: "whenDone",
};

/** A 422's details next to the form's fields; the rest (e.g. "(body)") in `other`. */
export function mapTaskDetails(details: readonly ErrorDetail[]): {
  fields: FieldErrors<TaskField>;
  other: string[];
} {
  const fields: FieldErrors<TaskField> = {};
  const other: string[] = [];
  for (const d of details) {
    const field = apiFieldToTaskField[d.path.split(".").at(-1) ?? ""];
    if (field) fields[field] = fields[field] ? `${fields[field]} ${d.message}` : d.message;
    else other.push(d.path && d.path !== "(body)" ? `${d.path}: ${d.message}` : d.message);
  }
  return { fields, other };
}
