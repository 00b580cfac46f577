import type { TaskSpec } from "@berth/protocol/agent";
import type { RunningTask } from "./task.ts";

export interface PromptRunner {
  /** What the heartbeat answer said (prompt_task); undefined = an older control plane said nothing. */
  offer(spec: TaskSpec | null | undefined): void;
  /** Stops a running prompt (the agent is going away). */
  stop(): Promise<void>;
  /** Resolves when what was offered so far has been acted on. */
  settled(): Promise<void>;
}

/**
 * Prompts sent to an interactive workspace (tasks.ts in @berth/protocol): the control plane names its
 * unfinished prompt in every heartbeat answer, so each id starts once here. An answer that names
 * another prompt, or none, while one runs means it was canceled: that turn is killed first (one
 * claude at a time: they share the runtime's pid file).
 */
export function createPromptRunner(
  start: (spec: TaskSpec) => RunningTask,
  log: (msg: string) => void = () => {},
): PromptRunner {
  let current: { id: string; task: RunningTask; finished: boolean } | null = null;
  let queue = Promise.resolve();
  // A late answer naming a prompt that already ran must not run it again.
  const started = new Set<string>();
  const stopCurrent = async () => {
    if (!current) return;
    if (!current.finished) log(`prompt ${current.id}: no longer asked for; stopping it`);
    await current.task.stop();
  };
  return {
    offer(spec) {
      if (spec === undefined || (spec !== null && spec.mode !== "prompt")) return;
      queue = queue.then(async () => {
        if (current && current.id === spec?.id) return;
        await stopCurrent();
        current = null;
        if (!spec || started.has(spec.id)) return;
        started.add(spec.id);
        log(`prompt ${spec.id}: starting`);
        const entry = { id: spec.id, task: start(spec), finished: false };
        current = entry;
        void entry.task.done.then(() => {
          entry.finished = true;
        });
      });
    },
    async stop() {
      await queue;
      await stopCurrent();
    },
    settled: () => queue,
  };
}
