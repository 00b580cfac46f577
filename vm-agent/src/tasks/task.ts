import { type TaskResultRequest, type TaskSpec, taskLimits } from "@berth/protocol/agent";
import { type CommandRunner, runCommand, tail } from "../boot/exec.ts";
import type { ControlPlaneClient } from "../control-plane/client.ts";
import { EventSender } from "./events.ts";
import { TaskGit } from "./git.ts";
import type { TaskRuntime } from "./runtime.ts";
import { loadTaskState, saveTaskState, type TaskState } from "./state.ts";
import { cut, oneLine } from "./summary.ts";
import { type RunningTurn, startTurn, type TurnRun } from "./turn.ts";

export interface TaskOptions {
  spec: TaskSpec;
  runtime: TaskRuntime;
  client: Pick<ControlPlaneClient, "taskEvents" | "taskMessages" | "taskResult">;
  /** The clone on the host (git reads). */
  workspaceDir: string;
  /** `<data_dir>/state/task.json`. */
  statePath: string;
  /** Environment for host commands. */
  env: Record<string, string>;
  run?: CommandRunner;
  /** The claude command in the runtime; default "claude". */
  claude?: string;
  /** How long a minute of max_minutes is (tests shorten it); default 60 s. */
  minuteMs?: number;
  /** How often follow-up messages are asked for between turns; default 5 s. */
  pollMs?: number;
  eventIntervalMs?: number;
  eventBatchSize?: number;
  /** Wait before sending a failed result or batch again; default 2 s. */
  retryMs?: number;
  now?: () => number;
  log?: (msg: string) => void;
  report?: (step: string, message: string) => void;
}

export interface RunningTask {
  /** Kills a running turn and stops polling; the turn is reported as interrupted after a restart. */
  stop(): Promise<void>;
  /** Resolves when the task loop ends (after stop). */
  done: Promise<void>;
}

type Outcome = Pick<TaskResultRequest, "outcome" | "reason">;

/**
 * A task workspace's job: the prompt as turn 0 on the task's branch, then each follow-up message as
 * the next turn, every turn ending in a commit, a push and a result (tasks.ts in @berth/protocol).
 */
export function startTask(opts: TaskOptions): RunningTask {
  const run = opts.run ?? runCommand;
  const log = opts.log ?? (() => {});
  const { spec } = opts;
  const git = new TaskGit({ run, runtime: opts.runtime, dir: opts.workspaceDir, env: opts.env });
  const retryMs = opts.retryMs ?? 2000;
  let stopped = false;
  let turn: RunningTurn | null = null;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  let state: TaskState;
  let sender: EventSender;
  const save = () => saveTaskState(opts.statePath, state).catch((e) => log(`task: state not saved: ${e}`));

  async function postResult(body: TaskResultRequest): Promise<void> {
    while (!stopped) {
      const r = await opts.client.taskResult(body, { attempts: 5, baseMs: 500, maxMs: 10_000 });
      if (r.ok) return;
      if (!r.retryable) {
        log(`task: result of turn ${body.turn} refused: ${r.error}`);
        return;
      }
      await pause(retryMs);
    }
  }

  function outcomeOf(r: TurnRun): Outcome {
    if (r.timedOut) return { outcome: "failed", reason: "max_minutes reached" };
    if (r.result?.isError) {
      const text = oneLine(r.result.text || r.apiError || "unknown error");
      const status = r.result.apiErrorStatus;
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

  /** Commit (on success), push, and where the branch stands. */
  async function finishGit(n: number, prompt: string, base: string | null, o: Outcome) {
    let result = o;
    if (spec.commit_and_push) {
      if (result.outcome === "succeeded") {
        const message = `${cut(oneLine(prompt), 68) || "Berth task"}\n\nBerth task ${spec.id}, turn ${n}.`;
        const c = await git.commitAll(message);
        if (!c.ok) result = { outcome: "failed", reason: c.error };
      }
      if ((await git.commitsSince(base)) > 0) {
        const p = await git.push(spec.branch);
        if (!p.ok) {
          sender.push(n, { kind: "error", text: cut(p.error, taskLimits.eventTextChars) });
          if (result.outcome === "succeeded") result = { outcome: "failed", reason: cut(p.error, 2000) };
        }
      }
    }
    const head = await git.sha("HEAD");
    const remote = await git.sha(`refs/remotes/origin/${spec.branch}`);
    return {
      ...result,
      commits: await git.commitsSince(base),
      head_sha: head,
      pushed: head !== null && head === remote,
    };
  }

  async function runTurn(n: number, prompt: string, base: string | null): Promise<void> {
    state.running_turn = n;
    await save();
    sender.push(n, { kind: "turn_started", text: cut(prompt, taskLimits.eventTextChars) });
    let known = await git.changes();
    let checking = Promise.resolve();
    const checkFiles = () => {
      checking = checking.then(async () => {
        const now = await git.changes();
        const changed = [...now].filter(([path, change]) => known.get(path) !== change);
        known = now;
        if (changed.length === 0) return;
        const files = changed
          .slice(0, taskLimits.eventFiles)
          .map(([path, change]) => ({ path: cut(path, 1000), change }));
        const names = changed.map(([path, change]) => `${path} (${change})`).join(", ");
        const text = `${changed.length} file${changed.length === 1 ? "" : "s"} changed: ${names}`;
        sender.push(n, { kind: "files_changed", text: cut(text, taskLimits.eventTextChars), files });
      });
      return checking;
    };
    turn = startTurn({
      runtime: opts.runtime,
      prompt,
      permissionMode: spec.permission_mode,
      resume: n === 0 ? null : (state.session_id ?? "latest"),
      limitMs: spec.max_minutes * (opts.minuteMs ?? 60_000),
      onEvent: (e) => sender.push(n, e),
      onToolDone: checkFiles,
      claude: opts.claude,
      run,
      log,
    });
    const r = await turn.done;
    turn = null;
    if (r.aborted || stopped) return; // the agent is stopping: a restart reports it interrupted
    checkFiles();
    await checking;
    const o = outcomeOf(r);
    if (o.outcome === "failed" && o.reason && !r.result?.isError)
      sender.push(n, { kind: "error", text: o.reason });
    const end = await finishGit(n, prompt, base, o);
    sender.push(n, {
      kind: "turn_finished",
      text:
        end.outcome === "succeeded" ? "succeeded" : cut(`failed: ${end.reason}`, taskLimits.eventTextChars),
    });
    await sender.flush();
    await postResult({
      task_id: spec.id,
      turn: n,
      ...end,
      branch: spec.branch,
      summary: cut(r.result && !r.result.isError ? r.result.text : "", taskLimits.summaryChars),
      ...(r.result?.tokens ? { tokens: r.result.tokens } : {}),
      ...(r.result?.costUsd != null ? { cost_usd: r.result.costUsd } : {}),
    });
    state.last_turn = n;
    state.running_turn = null;
    state.session_id = r.sessionId ?? state.session_id;
    await save();
  }

  /** A turn with no run (the branch could not be made, the agent restarted during it). */
  async function failTurn(n: number, reason: string, base: string | null): Promise<void> {
    sender.push(n, { kind: "error", text: cut(reason, taskLimits.eventTextChars) });
    sender.push(n, { kind: "turn_finished", text: cut(`failed: ${reason}`, taskLimits.eventTextChars) });
    await sender.flush();
    const head = await git.sha("HEAD");
    const remote = await git.sha(`refs/remotes/origin/${spec.branch}`);
    await postResult({
      task_id: spec.id,
      turn: n,
      outcome: "failed",
      reason: cut(reason, 2000),
      branch: spec.branch,
      commits: await git.commitsSince(base),
      head_sha: head,
      pushed: head !== null && head === remote,
      summary: "",
    });
    state.last_turn = Math.max(state.last_turn ?? 0, n);
    state.running_turn = null;
    await save();
  }

  async function main(): Promise<void> {
    state = await loadTaskState(opts.statePath, spec.id);
    sender = new EventSender({
      taskId: spec.id,
      send: (body) => opts.client.taskEvents(body, { attempts: 3, baseMs: 500, maxMs: 5000 }),
      firstSeq: state.next_seq,
      reserve: (next) => {
        state.next_seq = next;
        return save();
      },
      intervalMs: opts.eventIntervalMs,
      batchSize: opts.eventBatchSize,
      retryMs,
      now: opts.now,
      log,
    });
    // A wake knows from the control plane which turns ran; a restart from the state file.
    if (spec.last_turn != null && (state.last_turn === null || spec.last_turn > state.last_turn)) {
      state.last_turn = spec.last_turn;
    }
    let base: string | null = null;
    try {
      base = await git.switchToBranch(spec.branch, spec.base_branch);
      opts.report?.("task", `Task ${spec.id} on branch ${spec.branch}`);
    } catch (err) {
      const reason = `could not prepare the branch: ${err instanceof Error ? err.message : String(err)}`;
      opts.report?.("task", reason);
      if (state.last_turn === null) await failTurn(0, reason, null);
      return;
    }
    if (state.running_turn !== null && (state.last_turn === null || state.running_turn > state.last_turn)) {
      await failTurn(state.running_turn, "interrupted: the agent restarted during this turn", base);
    }
    if (state.last_turn === null && !stopped) await runTurn(0, spec.prompt, base);
    while (!stopped) {
      const r = await opts.client.taskMessages(state.last_turn ?? 0, {
        attempts: 2,
        baseMs: 500,
        maxMs: 2000,
      });
      if (r.ok && r.data.task_id === spec.id) {
        const next = r.data.messages
          .filter((m) => m.seq > (state.last_turn ?? 0))
          .sort((a, b) => a.seq - b.seq);
        for (const m of next) {
          if (stopped) break;
          await runTurn(m.seq, m.text, base);
        }
        if (next.length > 0) continue;
      } else if (!r.ok) log(`task: messages: ${r.error}`);
      await pause(opts.pollMs ?? 5000);
    }
  }

  const done = main().catch((err) => log(`task: ${err instanceof Error ? err.stack : String(err)}`));
  return {
    done,
    async stop() {
      stopped = true;
      wake?.();
      await turn?.abort();
      sender?.stop();
      await done;
    },
  };
}
