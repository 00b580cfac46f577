import type { TaskEvent } from "../api/types.ts";
import { formatTime } from "../lib/format.ts";
import { formatTokens, formatUsd } from "../lib/tasks.ts";
import type { TaskEventsMode } from "../lib/useTaskEvents.ts";

const changeLabels = {
  added: "added",
  modified: "modified",
  deleted: "deleted",
  renamed: "renamed",
} as const;

function EventBody({ event }: { event: TaskEvent }) {
  switch (event.kind) {
    case "turn_started":
      return (
        <>
          <strong>{event.turn === 0 ? "Started on the prompt" : `Follow-up #${event.turn}`}</strong>
          {event.text && <p className="task-text">{event.text}</p>}
        </>
      );
    case "message":
      return <p className="task-text">{event.text}</p>;
    case "tool_call":
      return (
        <>
          <span className="tool-name">{event.tool ?? "tool"}</span>{" "}
          <code className="tool-input">{event.input_summary ?? event.text}</code>
        </>
      );
    case "tool_result":
      return (
        <details>
          <summary>
            {/* One element: the summary is a flex box, which would drop the space before the tool's name. */}
            <span>
              {event.is_error ? "Error from " : "Result of "}
              <span className="tool-name">{event.tool ?? "tool"}</span>
            </span>
          </summary>
          <pre className="tool-output">{event.text}</pre>
        </details>
      );
    case "files_changed":
      return (
        <>
          <strong>{event.text || `${event.files?.length ?? 0} files changed`}</strong>
          {event.files && event.files.length > 0 && (
            <ul className="task-files" aria-label="Files changed">
              {event.files.map((f) => (
                <li key={f.path}>
                  <span className={`file-change file-${f.change}`}>{changeLabels[f.change]}</span>{" "}
                  <span className="mono">{f.path}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      );
    case "usage":
      return (
        <span>
          {event.tokens
            ? `${formatTokens(event.tokens.input)} tokens in, ${formatTokens(event.tokens.output)} out`
            : event.text}
          {event.cost_usd !== undefined && ` · ${formatUsd(event.cost_usd)}`}
        </span>
      );
    case "error":
      return <p className="task-text error">{event.text}</p>;
    case "turn_finished":
      return <strong>{event.text.startsWith("succeeded") ? "Turn done" : `Turn ${event.text}`}</strong>;
    default:
      return <span>{(event as TaskEvent).text}</span>;
  }
}

const kindLabels: Record<TaskEvent["kind"], string> = {
  turn_started: "turn",
  message: "Claude",
  tool_call: "tool",
  tool_result: "result",
  files_changed: "files",
  usage: "usage",
  error: "error",
  turn_finished: "turn",
};

/** The task's timeline: what Claude said and did, appended live. */
export function TaskTimeline({ events, mode }: { events: TaskEvent[]; mode: TaskEventsMode }) {
  return (
    <section className="card" aria-labelledby="task-timeline-heading">
      <div className="section-head">
        <h2 id="task-timeline-heading">Timeline</h2>
        {mode !== "idle" && (
          <span className="small muted" data-testid="timeline-mode">
            {mode === "stream" ? "live" : "updating every few seconds"}
          </span>
        )}
      </div>
      {events.length === 0 ? (
        <p className="muted">Nothing yet: the timeline starts once Claude runs.</p>
      ) : (
        <ol className="task-timeline" aria-live="polite" aria-label="Task timeline">
          {events.map((e) => (
            <li key={e.seq} data-kind={e.kind} data-seq={e.seq}>
              <div className="task-event-head">
                <span className={`event-type event-${e.kind}`}>{kindLabels[e.kind]}</span>
                <time dateTime={e.at}>{formatTime(e.at)}</time>
              </div>
              <div className="task-event-body">
                <EventBody event={e} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
