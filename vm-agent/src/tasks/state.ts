import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** What the agent remembers of its task across its own restarts (`<data_dir>/state/task.json`). */
export interface TaskState {
  task_id: string;
  /** The next timeline seq to hand out. */
  next_seq: number;
  /** The last turn whose result the control plane took (0 = the prompt), or null. */
  last_turn: number | null;
  /** A turn that started and has no result yet (the agent died during it). */
  running_turn: number | null;
  /** Claude's session, for --resume on the next turn. */
  session_id: string | null;
}

export function freshState(taskId: string): TaskState {
  return { task_id: taskId, next_seq: 1, last_turn: null, running_turn: null, session_id: null };
}

export async function loadTaskState(path: string, taskId: string): Promise<TaskState> {
  try {
    const s = JSON.parse(await readFile(path, "utf8")) as Partial<TaskState>;
    if (s.task_id !== taskId || !Number.isSafeInteger(s.next_seq) || (s.next_seq ?? 0) < 1)
      return freshState(taskId);
    const turn = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null);
    return {
      task_id: taskId,
      next_seq: s.next_seq as number,
      last_turn: turn(s.last_turn),
      running_turn: turn(s.running_turn),
      session_id: typeof s.session_id === "string" ? s.session_id : null,
    };
  } catch {
    return freshState(taskId);
  }
}

export async function saveTaskState(path: string, state: TaskState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
