import type { TaskStatus } from "../api/types.ts";
import { isTaskFinished, taskStatusLabels } from "../lib/tasks.ts";

export function TaskStatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span className={`badge task-badge-${status}`} data-status={status}>
      {!isTaskFinished(status) && <span className="spinner" aria-hidden="true" />}
      {taskStatusLabels[status]}
    </span>
  );
}
