import { useEffect, useState } from "react";
import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { Task } from "../api/types.ts";
import { StateBadge } from "../components/StateBadge.tsx";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { TaskStatusBadge } from "../components/TaskStatusBadge.tsx";
import { TaskTimeline } from "../components/TaskTimeline.tsx";
import { formatAgo, formatEur } from "../lib/format.ts";
import { useNow, usePolled } from "../lib/hooks.ts";
import { firstLine, formatTokens, formatUsd, isTaskFinished } from "../lib/tasks.ts";
import { useTaskEvents } from "../lib/useTaskEvents.ts";
import { TaskActions } from "./TaskActions.tsx";
import { TaskFollowUp } from "./TaskFollowUp.tsx";

/** The task itself: every 3 s while it runs (cost, messages), every 30 s once it finished. */
const taskInterval = (task: Task | undefined) => (task && isTaskFinished(task.status) ? 30_000 : 3_000);

function TaskCost({ task }: { task: Task }) {
  return (
    <p className="task-cost" data-testid="task-cost">
      Cost so far: <strong>{formatEur(task.vm_cost_eur)}</strong> VM +{" "}
      <strong>{formatUsd(task.claude_cost_usd)}</strong> Claude · {formatTokens(task.tokens.input)} tokens in,{" "}
      {formatTokens(task.tokens.output)} out
    </p>
  );
}

function TaskFacts({ task, now }: { task: Task; now: number }) {
  return (
    <dl className="facts">
      <dt>Repository</dt>
      <dd className="mono">{task.repo}</dd>
      <dt>Branch</dt>
      <dd className="mono">
        {task.branch}
        {task.base_branch ? ` (from ${task.base_branch})` : ""} · {task.commits} commit
        {task.commits === 1 ? "" : "s"}
        {task.pushed ? ", pushed" : ""}
      </dd>
      <dt>Workspace</dt>
      <dd>
        <StateBadge state={task.workspace_state} />
      </dd>
      <dt>Turns</dt>
      <dd>{task.turns}</dd>
      <dt>Limits</dt>
      <dd>
        {task.max_minutes} min a turn · when done:{" "}
        {task.when_done === "delete" ? "delete the workspace" : "sleep"}
      </dd>
      <dt>Created</dt>
      <dd>{formatAgo(task.created_at, now)}</dd>
    </dl>
  );
}

/** `timelinePollMs`: how often the timeline is polled when there is no live stream. */
export function TaskView({ id, timelinePollMs = 2_000 }: { id: string; timelinePollMs?: number }) {
  const res = usePolled(() => api.getTask(id), taskInterval, id);
  const [task, setTask] = useState<Task>();
  const now = useNow(30_000);
  // The poll and the stream's `task` updates both bring the task; the last to arrive wins.
  useEffect(() => {
    if (res.data) setTask(res.data);
  }, [res.data]);
  const timeline = useTaskEvents(id, {
    finished: task ? isTaskFinished(task.status) : false,
    onTask: setTask,
    pollMs: timelinePollMs,
  });

  if (!task) {
    if (res.error instanceof ApiError && res.error.isNotFound) {
      return (
        <section>
          <h1>Task not found</h1>
          <p>
            It does not exist, or it is not yours. <a href="#/tasks">Back to the tasks</a>
          </p>
        </section>
      );
    }
    if (res.error !== null) return <ErrorMessage error={res.error} onRetry={res.reload} />;
    return <Loading label="Loading task…" />;
  }

  return (
    <article className="task-view" aria-labelledby="task-heading">
      <p>
        <a className="back-link" href="#/tasks">
          ← All tasks
        </a>
      </p>
      <div className="ws-title">
        <h1 id="task-heading">{firstLine(task.prompt, 80) || task.id}</h1>
        <TaskStatusBadge status={task.status} />
      </div>
      {task.reason &&
        (task.status === "failed" ? (
          <p className="error-box" role="alert" data-testid="task-reason">
            {task.reason}
          </p>
        ) : (
          // e.g. why no pull request was opened after a successful turn
          <p className="muted" data-testid="task-reason">
            {task.reason}
          </p>
        ))}
      {task.pr && (
        <p className="task-pr">
          <a href={task.pr.url} target="_blank" rel="noopener noreferrer">
            Pull request #{task.pr.number}
          </a>
        </p>
      )}
      <TaskCost task={task} />
      {res.error !== null && <ErrorMessage error={res.error} onRetry={res.reload} />}
      <TaskActions
        task={task}
        onChanged={(changed) => {
          setTask(changed);
          void res.reload();
        }}
        onDeleted={() => window.location.assign("#/tasks")}
      />
      <section className="card" aria-labelledby="prompt-heading">
        <h2 id="prompt-heading">Prompt</h2>
        <p className="task-text" data-testid="task-prompt">
          {task.prompt}
        </p>
        {task.summary && (
          <>
            <h3>Claude's summary</h3>
            <p className="task-text">{task.summary}</p>
          </>
        )}
      </section>
      <TaskFollowUp task={task} onSent={() => void res.reload()} />
      {timeline.error !== null && <ErrorMessage error={timeline.error} />}
      <TaskTimeline events={timeline.events} mode={timeline.mode} />
      <section className="card" aria-labelledby="task-facts-heading">
        <h2 id="task-facts-heading">Details</h2>
        <TaskFacts task={task} now={now} />
      </section>
    </article>
  );
}
