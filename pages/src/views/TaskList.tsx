import { useState } from "react";
import { api } from "../api/instance.ts";
import type { Task, TaskPage } from "../api/types.ts";
import { Empty, ErrorMessage, Loading } from "../components/Status.tsx";
import { TaskStatusBadge } from "../components/TaskStatusBadge.tsx";
import { formatAgo, formatEur } from "../lib/format.ts";
import { useNow, usePolled } from "../lib/hooks.ts";
import { firstLine, formatUsd, isTaskFinished } from "../lib/tasks.ts";

const pageSize = 20;

/** The first `pages` pages, following next_cursor, merged into one. */
async function loadPages(pages: number): Promise<TaskPage> {
  const all: Task[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < pages; i++) {
    const page: TaskPage = await api.listTasks({ cursor, limit: pageSize });
    all.push(...page.tasks);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { tasks: all, next_cursor: cursor };
}

/** Every 5 s while a task runs, else every 30 s. */
const listInterval = (page: TaskPage | undefined) =>
  page?.tasks.some((t) => !isTaskFinished(t.status)) ? 5_000 : 30_000;

/** The repository's short name: "https://github.com/o/r.git" -> "o/r". */
export function repoName(repo: string): string {
  const m = /github\.com[/:]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(repo);
  return m?.[1] ?? repo;
}

export function TaskList() {
  const [pages, setPages] = useState(1);
  const now = useNow(30_000);
  const list = usePolled(() => loadPages(pages), listInterval, String(pages));
  const tasks = list.data?.tasks ?? [];

  return (
    <section aria-labelledby="task-list-heading">
      <h2 id="task-list-heading">Your tasks</h2>
      {list.loading && !list.data && <Loading label="Loading tasks…" />}
      {list.error !== null && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {list.data && tasks.length === 0 && (
        <Empty>
          <p>No tasks yet.</p>
          <p>Start one above: pick a repository and say what Claude should do.</p>
        </Empty>
      )}
      {tasks.length > 0 && (
        <ul className="task-list">
          {tasks.map((task) => (
            <li key={task.id} className="task-item" data-task-id={task.id}>
              <a className="task-item-link" href={`#/t/${task.id}`}>
                <span className="task-item-head">
                  <span className="task-item-title">{firstLine(task.prompt) || task.id}</span>
                  <TaskStatusBadge status={task.status} />
                </span>
                <span className="small muted task-item-repo">{repoName(task.repo)}</span>
                <span className="small">
                  {formatEur(task.vm_cost_eur)} + {formatUsd(task.claude_cost_usd)} ·{" "}
                  {formatAgo(task.created_at, now)}
                </span>
              </a>
              {task.pr && (
                <a className="task-pr-link" href={task.pr.url} target="_blank" rel="noopener noreferrer">
                  PR #{task.pr.number}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      {list.data?.next_cursor && (
        <button type="button" onClick={() => setPages((p) => p + 1)} disabled={list.loading}>
          Load more
        </button>
      )}
    </section>
  );
}
