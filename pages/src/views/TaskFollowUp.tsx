import { type FormEvent, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Task } from "../api/types.ts";
import { formatTime } from "../lib/format.ts";
import { openMessages } from "../lib/tasks.ts";

const stateLabels = { pending: "waiting", running: "running", done: "done" } as const;

/** "Send a follow-up": the next turn, on the same branch, continuing Claude's conversation. */
export function TaskFollowUp({ task, onSent }: { task: Task; onSent: () => void }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ seq: number; text: string; at: string }[]>([]);
  const gone = task.workspace_state === "deleted" || task.workspace_state === "failed";

  // Sent here but not in the task yet (its next poll brings them with their state).
  const known = new Set(task.messages.map((m) => m.seq));
  const waiting = [
    ...openMessages(task),
    ...sent.filter((m) => !known.has(m.seq)).map((m) => ({ ...m, state: "pending" as const })),
  ];

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!text.trim()) {
      setError("Write the follow-up first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const message = await api.sendTaskMessage(task.id, text);
      setSent((s) => [...s, message]);
      setText("");
      onSent();
    } catch (err) {
      // A 409's message says why (canceled, workspace gone, a limit stops the wake).
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="follow-up-heading">
      <h2 id="follow-up-heading">Send a follow-up</h2>
      {waiting.length > 0 && (
        <ul className="task-messages" aria-label="Follow-ups not done yet">
          {waiting.map((m) => (
            <li key={m.seq} data-state={m.state}>
              <span className="badge">{stateLabels[m.state]}</span>{" "}
              <time dateTime={m.at}>{formatTime(m.at)}</time>
              <p className="task-text">{m.text}</p>
            </li>
          ))}
        </ul>
      )}
      {gone ? (
        <p className="muted">The task's workspace is gone, so it cannot take follow-ups.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className={`field${error ? " field-invalid" : ""}`}>
            <label htmlFor="follow-up">Message to Claude</label>
            <textarea
              id="follow-up"
              rows={3}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                if (error) setError(null);
              }}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "follow-up-error" : "follow-up-hint"}
            />
            {error ? (
              <p className="field-error" id="follow-up-error" role="alert">
                {error}
              </p>
            ) : (
              <p className="hint" id="follow-up-hint">
                Runs as the next turn on branch {task.branch}
                {task.workspace_state === "asleep" ? "; the workspace is woken for it" : ""}.
              </p>
            )}
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Sending…" : "Send"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
