import type { TaskResultRequest, TaskSpec } from "@berth/protocol/agent";
import { tail } from "../boot/exec.ts";
import type { TaskGit } from "./git.ts";
import type { EventDraft } from "./stream.ts";
import { cut, oneLine } from "./summary.ts";
import type { TurnRun } from "./turn.ts";

export type Outcome = Pick<TaskResultRequest, "outcome" | "reason">;
export type GitEnd = Outcome & Pick<TaskResultRequest, "commits" | "head_sha" | "pushed">;

/** How a turn ended, in order: the time limit, Claude's own error, the exit code, no result. */
export function outcomeOf(r: TurnRun): Outcome {
  if (r.timedOut) return { outcome: "failed", reason: "max_minutes reached" };
  if (r.result?.isError) {
    const status = r.result.apiErrorStatus;
    const said = oneLine(r.result.text || r.apiError || "unknown error");
    // Claude's own text often starts "API Error: <status> ": said once is enough.
    const text = status ? said.replace(new RegExp(`^API Error: ${status}:?\\s+`), "") : said;
    return {
      outcome: "failed",
      reason: cut(status ? `Claude API error ${status}: ${text}` : `Claude: ${text}`, 2000),
    };
  }
  if (r.code !== 0) {
    const why = r.code === null ? "claude was killed" : `claude exited with code ${r.code}`;
    return {
      outcome: "failed",
      reason: cut(r.stderrTail ? `${why}: ${tail(r.stderrTail, 600)}` : why, 2000),
    };
  }
  if (!r.result) return { outcome: "failed", reason: "claude ended without a result" };
  return { outcome: "succeeded" };
}

/** The turn's commit message: the prompt's first words, then which task and turn. */
export function commitMessage(spec: TaskSpec, turn: number, prompt: string): string {
  return `${cut(oneLine(prompt), 68) || "Berth task"}\n\nBerth task ${spec.id}, turn ${turn}.\n`;
}

/**
 * With commit_and_push (never for a prompt): on success commit what is left; push when the branch has commits (a failed
 * turn keeps what Claude committed); a rejected push fails a turn that had succeeded. Then where the
 * branch stands.
 */
export async function finishGit(opts: {
  git: TaskGit;
  spec: TaskSpec;
  /** The branch the turn ran on (a task's own; a prompt's is the person's). */
  branch: string;
  turn: number;
  prompt: string;
  base: string | null;
  outcome: Outcome;
  onError(event: EventDraft): void;
}): Promise<GitEnd> {
  const { git, spec } = opts;
  let result = opts.outcome;
  if (spec.commit_and_push) {
    if (result.outcome === "succeeded") {
      const c = await git.commitAll(commitMessage(spec, opts.turn, opts.prompt));
      if (!c.ok) result = { outcome: "failed", reason: c.error };
    }
    if ((await git.commitsSince(opts.base)) > 0) {
      const p = await git.push(opts.branch);
      if (!p.ok) {
        opts.onError({ kind: "error", text: cut(p.error, 2000) });
        if (result.outcome === "succeeded") result = { outcome: "failed", reason: cut(p.error, 2000) };
      }
    }
  }
  return { ...result, ...(await branchState(git, opts.branch, opts.base)) };
}

export async function branchState(git: TaskGit, branch: string, base: string | null) {
  const head = await git.sha("HEAD");
  const remote = await git.sha(`refs/remotes/origin/${branch}`);
  return { commits: await git.commitsSince(base), head_sha: head, pushed: head !== null && head === remote };
}
