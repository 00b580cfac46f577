import { useEffect, useReducer, useRef, useState } from "react";
import { api } from "../api/instance.ts";
import type { Task, TaskEvent } from "../api/types.ts";
import { mergeEvents } from "./tasks.ts";

/** How the timeline arrives: a live stream, polling with the cursor, or nothing (the task is done). */
export type TaskEventsMode = "stream" | "polling" | "idle";

export interface TaskEventsState {
  events: TaskEvent[];
  mode: TaskEventsMode;
  /** The last polling failure (the next poll retries); null while things work. */
  error: unknown;
}

const pageLimit = 500;

/**
 * The task's timeline, live: an EventSource on /api/tasks/:id/events (the server ends each stream
 * after ~25 s and the browser reconnects with Last-Event-ID), or, where the stream cannot be had,
 * GET …/events?cursor=<last seq> every `pollMs`. Either way each event shows once, in seq order.
 * Once the task is finished and the server said `done`, nothing more is asked until the task runs
 * again (a follow-up), which starts over from the last seq seen. `onTask` gets the stream's `task`
 * updates (status, PR).
 */
export function useTaskEvents(
  id: string,
  { finished, onTask, pollMs = 2_000 }: { finished: boolean; onTask: (task: Task) => void; pollMs?: number },
): TaskEventsState {
  const [events, addEvents] = useReducer(mergeEvents, []);
  const [mode, setMode] = useState<TaskEventsMode>("stream");
  const [error, setError] = useState<unknown>(null);
  const lastSeq = useRef(0);
  const finishedRef = useRef(finished);
  finishedRef.current = finished;
  const onTaskRef = useRef(onTask);
  onTaskRef.current = onTask;

  // A finished task that runs again (a follow-up) needs its timeline again.
  const [generation, setGeneration] = useState(0);
  const wasFinished = useRef(finished);
  useEffect(() => {
    if (wasFinished.current && !finished) setGeneration((g) => g + 1);
    wasFinished.current = finished;
  }, [finished]);

  useEffect(() => {
    void generation; // a new generation starts over from lastSeq
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();

    const add = (incoming: TaskEvent[]) => {
      if (stopped || incoming.length === 0) return;
      lastSeq.current = Math.max(lastSeq.current, ...incoming.map((e) => e.seq));
      addEvents(incoming);
    };

    async function poll() {
      let delay = pollMs;
      try {
        const page = await api.taskEvents(id, lastSeq.current, abort.signal);
        if (stopped) return;
        add(page.events);
        setError(null);
        if (page.done) {
          setMode("idle");
          return;
        }
        if (page.events.length >= pageLimit) delay = 0; // more are waiting
      } catch (e) {
        if (stopped) return;
        setError(e);
      }
      timer = setTimeout(() => void poll(), delay);
    }

    function switchToPolling() {
      source?.close();
      source = null;
      setMode("polling");
      void poll();
    }

    const Source = globalThis.EventSource;
    if (typeof Source !== "function") {
      switchToPolling();
    } else {
      setMode("stream");
      source = new Source(api.taskEventsStreamUrl(id, lastSeq.current), { withCredentials: true });
      source.addEventListener("task_event", (m) => {
        const event = parse<TaskEvent>(m);
        if (event && typeof event.seq === "number") add([event]);
      });
      source.addEventListener("task", (m) => {
        const task = parse<Task>(m);
        if (task && !stopped) onTaskRef.current(task);
      });
      source.addEventListener("error", () => {
        // CLOSED: the browser gave up (not an event stream, or an error status): poll instead.
        // A finished task's stream ends for good: one poll fetches any tail and sees `done`.
        if (source?.readyState === 2 || finishedRef.current) switchToPolling();
      });
    }

    return () => {
      stopped = true;
      source?.close();
      clearTimeout(timer);
      abort.abort();
    };
  }, [id, generation, pollMs]);

  return { events, mode, error };
}

function parse<T>(message: Event): T | null {
  try {
    return JSON.parse((message as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}
