import { useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Task } from "../api/types.ts";
import { ConfirmDialog } from "../components/ConfirmDialog.tsx";
import { isTaskFinished, whatTaskDeleteLoses } from "../lib/tasks.ts";

type Action = "cancel" | "delete";

/** "Open in terminal", Cancel and Delete, each destructive one behind a confirmation. */
export function TaskActions({
  task,
  onChanged,
  onDeleted,
}: {
  task: Task;
  onChanged: (task: Task) => void;
  /** The task is gone from the API (and the list) once deleted. */
  onDeleted: () => void;
}) {
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [pending, setPending] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const gone = task.workspace_state === "deleted";
  const canCancel = !isTaskFinished(task.status);
  const canDelete = !gone && task.workspace_state !== "stopping";

  async function run(action: Action) {
    setPending(action);
    setError(null);
    try {
      if (action === "cancel") onChanged(await api.cancelTask(task.id));
      else {
        await api.deleteTask(task.id);
        onDeleted();
      }
    } catch (e) {
      setError(describeError(e));
    } finally {
      setConfirm(null);
      setPending(null);
    }
  }

  return (
    <div className="task-actions">
      <div className="actions">
        {!gone && (
          <a className="button-link primary" href={`#/w/${task.workspace_id}`}>
            Open in terminal
          </a>
        )}
        {canCancel && (
          <button type="button" onClick={() => setConfirm("cancel")} disabled={pending !== null}>
            Cancel task
          </button>
        )}
        {canDelete && (
          <button
            type="button"
            className="danger"
            onClick={() => setConfirm("delete")}
            disabled={pending !== null}
          >
            Delete
          </button>
        )}
      </div>
      {!gone && (
        <p className="small muted">
          The workspace page opens its terminal (and wakes it if it sleeps); carry on there with{" "}
          <code>claude --continue</code>.
        </p>
      )}
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {confirm === "cancel" && (
        <ConfirmDialog
          title="Cancel this task?"
          confirmLabel="Cancel task"
          busy={pending === "cancel"}
          onConfirm={() => run("cancel")}
          onCancel={() => setConfirm(null)}
        >
          <p data-testid="cancel-loses">
            Claude is stopped mid-turn: what it has not committed and pushed yet stays only in the workspace,
            which then {task.when_done === "delete" ? "is deleted, with that work" : "goes to sleep"}.
          </p>
        </ConfirmDialog>
      )}
      {confirm === "delete" && (
        <ConfirmDialog
          title="Delete this task?"
          confirmLabel="Delete"
          busy={pending === "delete"}
          onConfirm={() => run("delete")}
          onCancel={() => setConfirm(null)}
        >
          <p data-testid="delete-loses">{whatTaskDeleteLoses(task)}</p>
          <p>This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
