/**
 * GET /api/tasks/{id}/events as server-sent events: new events as `task_event` (id = seq), the
 * task as `task` whenever its status or pull request changes. The stream polls D1 about once a
 * second and ends when the task is finished (after its last events) or after ~25 s; EventSource
 * reconnects with Last-Event-ID.
 */
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { viewOf } from "./actions.ts";
import { eventsAfter, loadOwnedTask } from "./store.ts";
import { isFinished, type TaskView } from "./view.ts";

export interface StreamOptions {
  pollMs?: number;
  maxMs?: number;
}

const encoder = new TextEncoder();
const frame = (event: string, data: unknown, id?: number) =>
  encoder.encode(
    `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
  );

/** What of the task, when it changes, is worth a `task` frame. */
const taskKey = (t: TaskView) =>
  JSON.stringify([t.status, t.pr, t.turns, t.workspace_state, t.messages.length]);

export function taskEventStream(
  deps: LifecycleDeps,
  taskId: string,
  ownerId: string,
  cursor: number,
  opts: StreamOptions = {},
): ReadableStream<Uint8Array> {
  const pollMs = opts.pollMs ?? 1000;
  const deadline = Date.now() + (opts.maxMs ?? 25_000);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const run = async () => {
    let last = cursor;
    let shown = "";
    // Tell EventSource to come back soon after the stream ends.
    await writer.write(encoder.encode("retry: 1000\n\n"));
    for (;;) {
      const { task, workspace } = await loadOwnedTask(deps.db, taskId, ownerId);
      const page = await eventsAfter(deps.db, task.id, last, 200);
      for (const event of page.events) {
        await writer.write(frame("task_event", event, event.seq));
        last = event.seq;
      }
      const view = await viewOf(deps, task, workspace);
      if (taskKey(view) !== shown) {
        shown = taskKey(view);
        // With the last seq as its id, so a reconnect always says where it was (even before any event).
        await writer.write(frame("task", view, last));
      }
      if (page.more) continue;
      if (isFinished(view.status) || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  // A closed connection makes a write fail: the loop ends there.
  void run()
    .catch(() => undefined)
    .finally(() => writer.close().catch(() => undefined));
  return readable;
}
