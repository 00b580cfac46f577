import { useState } from "react";
import { api } from "../api/instance.ts";
import type { Workspace, WorkspacePage } from "../api/types.ts";
import { StateBadge } from "../components/StateBadge.tsx";
import { Empty, ErrorMessage, Loading } from "../components/Status.tsx";
import { formatAgo, formatDateTime, formatEur, formatHourly } from "../lib/format.ts";
import { useNow, usePolled } from "../lib/hooks.ts";
import { formatBytes, formatMonthlyStorage } from "../lib/sleep.ts";
import { pollInterval } from "../lib/states.ts";

const pageSize = 20;

/** The first `pages` pages, following next_cursor, merged into one. */
async function loadPages(pages: number, includeEnded: boolean): Promise<WorkspacePage> {
  const all: Workspace[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < pages; i++) {
    const page: WorkspacePage = await api.listWorkspaces({ includeEnded, cursor, limit: pageSize });
    all.push(...page.workspaces);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { workspaces: all, next_cursor: cursor };
}

export function WorkspaceList() {
  const [includeEnded, setIncludeEnded] = useState(false);
  const [pages, setPages] = useState(1);
  const now = useNow(30_000);
  const list = usePolled(
    () => loadPages(pages, includeEnded),
    (data) => pollInterval(data?.workspaces.map((w) => w.state) ?? []),
    `${pages}:${includeEnded}`,
  );
  const workspaces = list.data?.workspaces ?? [];

  return (
    <section aria-labelledby="list-heading">
      <div className="section-head">
        <h2 id="list-heading">Your workspaces</h2>
        <label className="toggle">
          <input
            type="checkbox"
            checked={includeEnded}
            onChange={(e) => {
              setIncludeEnded(e.target.checked);
              setPages(1);
            }}
          />
          Show ended
        </label>
      </div>
      {list.loading && !list.data && <Loading label="Loading workspaces…" />}
      {list.error !== null && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {list.data && workspaces.length === 0 && (
        <Empty>
          <p>{includeEnded ? "You have no workspaces yet." : "No running workspaces."}</p>
          <p>Create one above: paste a repository URL and press "Create workspace".</p>
        </Empty>
      )}
      {workspaces.length > 0 && (
        <ul className="ws-list">
          {workspaces.map((ws) => (
            <li key={ws.id} className="ws-item" data-workspace-id={ws.id}>
              <div className="ws-item-head">
                <a href={`#/w/${ws.id}`} className="ws-name">
                  {ws.name}
                </a>
                <span>
                  {ws.mode === "task" && <span className="badge">task</span>} <StateBadge state={ws.state} />
                </span>
              </div>
              <p className="mono small">{ws.hostname}</p>
              <p className="small muted">
                {ws.repo_url}
                {ws.branch ? ` @ ${ws.branch}` : ""} · {ws.server_type} · {ws.location}
              </p>
              <p className="small">
                Cost so far <strong>{formatEur(ws.cost.total_eur)}</strong> (
                {formatHourly(ws.cost.hourly_eur)}) · created {formatAgo(ws.created_at, now)}
              </p>
              {ws.sleep && (
                <p className="small" data-testid="sleep-summary">
                  {ws.sleep.snapshot
                    ? `Snapshot ${formatBytes(ws.sleep.snapshot.size_bytes)}, taken ${formatAgo(ws.sleep.snapshot.created_at, now)}`
                    : "No snapshot"}{" "}
                  · {formatMonthlyStorage(ws.sleep.monthly_storage_eur)} · expires{" "}
                  {formatDateTime(ws.sleep.expires_at)}
                  {ws.sleep.expires_soon && <strong className="error"> (soon: wake it to keep it)</strong>}
                </p>
              )}
              {ws.state_reason && <p className="small muted">{ws.state_reason}</p>}
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
