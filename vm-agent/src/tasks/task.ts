import { type TaskResultRequest, type TaskSpec, taskLimits } from "@berth/protocol/agent";
import type { CommandRunner } from "../boot/exec.ts";
import { runCommand } from "../boot/exec.ts";
import type { ControlPlaneClient } from "../control-plane/client.ts";
import { EventSender } from "./events.ts";
import { FileWatcher } from "./files.ts";
import { TaskGit } from "./git.ts";
import { branchState, finishGit, outcomeOf } from "./outcome.ts";
import type { TaskRuntime } from "./runtime.ts";
import { loadTaskState, saveTaskState, type TaskState } from "./state.ts";
import { cut } from "./summary.ts";
import { type RunningTurn, startTurn } from "./turn.ts";

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

/**
 * A task workspace's job: the prompt as turn 0 on the task's branch, then each follow-up message as
 * the next turn, every turn ending in a commit, a push and a result (tasks.ts in @berth/protocol).
 * A prompt (spec.mode "prompt") is turn 0 alone, in the person's working tree as it is: no branch
 * switch, no commit or push, no follow-ups; its result names the branch checked out then.
 */
export function startTask(opts: TaskOptions): RunningTask {
  const loop = new TaskLoop(opts);
  const done = loop
    .main()
    .catch((err) => loop.log(`task: ${err instanceof Error ? err.stack : String(err)}`));
  return {
    done,
    async stop() {
      await loop.stop();
      await done;
    },
  };
}

class TaskLoop {
  readonly log: (msg: string) => void;
  private readonly o: TaskOptions;
  private readonly spec: TaskSpec;
  private readonly git: TaskGit;
  private readonly run: CommandRunner;
  private readonly retryMs: number;
  private stopped = false;
  private turn: RunningTurn | null = null;
  private wake: (() => void) | null = null;
  private state: TaskState | null = null;
  private sender: EventSender | null = null;
  /** A prompt in the person's working tree rather than a task on its own branch. */
  private readonly isPrompt: boolean;

  constructor(opts: TaskOptions) {
    this.o = opts;
    this.spec = opts.spec;
    this.log = opts.log ?? (() => {});
    this.run = opts.run ?? runCommand;
    this.git = new TaskGit({ run: this.run, runtime: opts.runtime, dir: opts.workspaceDir, env: opts.env });
    this.retryMs = opts.retryMs ?? 2000;
    this.isPrompt = opts.spec.mode === "prompt";
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.turn?.abort();
    this.sender?.stop();
  }

  async main(): Promise<void> {
    const { spec } = this;
    const state = await loadTaskState(this.o.statePath, spec.id);
    this.state = state;
    // A wake starts with no state file: the control plane says which seqs its events already took.
    if (spec.last_seq != null && state.next_seq <= spec.last_seq) state.next_seq = spec.last_seq + 1;
    this.sender = new EventSender({
      taskId: spec.id,
      send: (body) => this.o.client.taskEvents(body, { attempts: 3, baseMs: 500, maxMs: 5000 }),
      firstSeq: state.next_seq,
      reserve: (next) => {
        state.next_seq = next;
        return this.save();
      },
      intervalMs: this.o.eventIntervalMs,
      batchSize: this.o.eventBatchSize,
      retryMs: this.retryMs,
      now: this.o.now,
      log: this.log,
    });
    // A wake knows from the control plane which turns ran; a restart from the state file.
    if (spec.last_turn != null && (state.last_turn === null || spec.last_turn > state.last_turn)) {
      state.last_turn = spec.last_turn;
    }
    if (this.isPrompt) {
      // The person's branch stays checked out: `commits` counts what Claude commits itself.
      const base = await this.git.sha("HEAD");
      if (state.running_turn !== null && state.last_turn === null) {
        await this.failTurn(0, "interrupted: the agent restarted during this prompt", base);
      } else if (state.last_turn === null && !this.stopped) await this.runTurn(0, spec.prompt, base);
      return;
    }
    let base: string | null = null;
    try {
      base = await this.git.switchToBranch(spec.branch, spec.base_branch);
      this.o.report?.("task", `Task ${spec.id} on branch ${spec.branch}`);
    } catch (err) {
      const reason = `could not prepare the branch: ${err instanceof Error ? err.message : String(err)}`;
      this.o.report?.("task", reason);
      if (state.last_turn === null) await this.failTurn(0, reason, null);
      return;
    }
    if (state.running_turn !== null && (state.last_turn === null || state.running_turn > state.last_turn)) {
      await this.failTurn(state.running_turn, "interrupted: the agent restarted during this turn", base);
    }
    if (state.last_turn === null && !this.stopped) await this.runTurn(0, spec.prompt, base);
    await this.followUps(base);
  }

  /** Asks for follow-up messages between turns and runs each, in order, until stopped. */
  private async followUps(base: string | null): Promise<void> {
    const state = this.must(this.state);
    while (!this.stopped) {
      const after = state.last_turn ?? 0;
      const r = await this.o.client.taskMessages(after, { attempts: 2, baseMs: 500, maxMs: 2000 });
      if (r.ok && r.data.task_id === this.spec.id) {
        const next = r.data.messages.filter((m) => m.seq > after).sort((a, b) => a.seq - b.seq);
        for (const m of next) {
          if (this.stopped) break;
          await this.runTurn(m.seq, m.text, base);
        }
        if (next.length > 0) continue;
      } else if (!r.ok) this.log(`task: messages: ${r.error}`);
      await this.pause(this.o.pollMs ?? 5000);
    }
  }

  private async runTurn(n: number, prompt: string, base: string | null): Promise<void> {
    const state = this.must(this.state);
    const sender = this.must(this.sender);
    state.running_turn = n;
    await this.save();
    sender.push(n, { kind: "turn_started", text: cut(prompt, taskLimits.eventTextChars) });
    const files = new FileWatcher(this.git);
    await files.start();
    const checkFiles = async () => {
      const event = await files.check();
      if (event) sender.push(n, event);
    };
    this.turn = startTurn({
      runtime: this.o.runtime,
      prompt,
      permissionMode: this.spec.permission_mode,
      resume: n === 0 ? null : (state.session_id ?? "latest"),
      limitMs: this.spec.max_minutes * (this.o.minuteMs ?? 60_000),
      onEvent: (e) => sender.push(n, e),
      onToolDone: checkFiles,
      claude: this.o.claude,
      run: this.run,
      log: this.log,
    });
    const r = await this.turn.done;
    this.turn = null;
    if (r.aborted || this.stopped) return; // the agent is stopping: a restart reports it interrupted
    await checkFiles();
    const outcome = outcomeOf(r);
    if (outcome.reason && !r.result?.isError) sender.push(n, { kind: "error", text: outcome.reason });
    const end = await finishGit({
      git: this.git,
      spec: this.spec,
      branch: await this.branch(),
      turn: n,
      prompt,
      base,
      outcome,
      onError: (e) => sender.push(n, e),
    });
    await this.endTurn(n, {
      ...end,
      summary: cut(r.result && !r.result.isError ? r.result.text : "", taskLimits.summaryChars),
      ...(r.result?.tokens ? { tokens: r.result.tokens } : {}),
      ...(r.result?.costUsd != null ? { cost_usd: r.result.costUsd } : {}),
    });
    state.session_id = r.sessionId ?? state.session_id;
    await this.save();
  }

  /** A turn with no run (the branch could not be made, the agent restarted during it). */
  private async failTurn(n: number, reason: string, base: string | null): Promise<void> {
    this.must(this.sender).push(n, { kind: "error", text: cut(reason, taskLimits.eventTextChars) });
    const where = await branchState(this.git, await this.branch(), base);
    await this.endTurn(n, { outcome: "failed", reason: cut(reason, 2000), ...where, summary: "" });
  }

  /** The task's branch; for a prompt, the person's (the spec's when HEAD is detached). */
  private async branch(): Promise<string> {
    return (this.isPrompt ? await this.git.currentBranch() : null) ?? this.spec.branch;
  }

  /** turn_finished, every event out, then the result; the turn is done for good. */
  private async endTurn(n: number, end: Omit<TaskResultRequest, "task_id" | "turn" | "branch">) {
    const state = this.must(this.state);
    const sender = this.must(this.sender);
    const text = end.outcome === "succeeded" ? "succeeded" : `failed: ${end.reason}`;
    sender.push(n, { kind: "turn_finished", text: cut(text, taskLimits.eventTextChars) });
    await sender.flush();
    const branch = await this.branch();
    await this.postResult({ task_id: this.spec.id, turn: n, branch, ...end });
    state.last_turn = Math.max(state.last_turn ?? 0, n);
    state.running_turn = null;
    await this.save();
  }

  private async postResult(body: TaskResultRequest): Promise<void> {
    while (!this.stopped) {
      const r = await this.o.client.taskResult(body, { attempts: 5, baseMs: 500, maxMs: 10_000 });
      if (r.ok) return;
      if (!r.retryable) {
        this.log(`task: result of turn ${body.turn} refused: ${r.error}`);
        return;
      }
      await this.pause(this.retryMs);
    }
  }

  private save(): Promise<void> {
    const state = this.state;
    if (!state) return Promise.resolve();
    return saveTaskState(this.o.statePath, state).catch((e) => this.log(`task: state not saved: ${e}`));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private must<T>(v: T | null): T {
    if (v === null) throw new Error("task: used before main()");
    return v;
  }
}
