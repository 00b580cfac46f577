import { ApiError } from "../api/errors.ts";
import { api } from "../api/instance.ts";
import type { WorkspaceDetail, WorkspaceEvent } from "../api/types.ts";
import { BootBar } from "../components/BootBar.tsx";
import { StateBadge } from "../components/StateBadge.tsx";
import { ErrorMessage, Loading } from "../components/Status.tsx";
import { BootProgress, Timeline } from "../components/Timeline.tsx";
import { usePolled } from "../lib/hooks.ts";
import { fastPollMs, isChanging, isEnded } from "../lib/states.ts";
import { AgentPanel } from "./AgentPanel.tsx";
import { EnvironmentNotice } from "./EnvironmentNotice.tsx";
import { GitPanel } from "./GitPanel.tsx";
import { PortsPanel } from "./PortsPanel.tsx";
import { SleepPanel } from "./SleepPanel.tsx";
import { WorkspaceActions } from "./WorkspaceActions.tsx";
import { WorkspaceFacts } from "./WorkspaceFacts.tsx";

interface Loaded {
  ws: WorkspaceDetail;
  events: WorkspaceEvent[];
}

/** Fast while it changes, every 5 s while it runs (agent status, idle warning), slowly once it ended. */
function detailInterval(data: Loaded | undefined): number | null {
  if (!data) return fastPollMs;
  if (isChanging(data.ws.state)) return fastPollMs;
  return isEnded(data.ws.state) ? 30_000 : 5_000;
}

export function WorkspaceView({ id }: { id: string }) {
  const res = usePolled<Loaded>(
    async () => {
      const [ws, { events }] = await Promise.all([api.getWorkspace(id), api.workspaceEvents(id)]);
      return { ws, events };
    },
    detailInterval,
    id,
  );

  if (!res.data) {
    if (res.error instanceof ApiError && res.error.isNotFound) {
      return (
        <section>
          <h1>Workspace not found</h1>
          <p>
            It does not exist, or it is not yours. <a href="#/">Back to the list</a>
          </p>
        </section>
      );
    }
    if (res.error !== null) return <ErrorMessage error={res.error} onRetry={res.reload} />;
    return <Loading label="Loading workspace…" />;
  }

  const { ws, events } = res.data;
  return (
    <article className="workspace" aria-labelledby="ws-heading">
      <p>
        <a href="#/">← Back to the list</a>
      </p>
      <div className="ws-title">
        <h1 id="ws-heading">{ws.name}</h1>
        <StateBadge state={ws.state} />
      </div>
      {ws.state_reason &&
        (ws.state === "asleep" && ws.state_reason.startsWith("wake failed") ? (
          <p className="error-box" role="alert" data-testid="wake-failed">
            {ws.state_reason}
          </p>
        ) : (
          <p className="muted">{ws.state_reason}</p>
        ))}
      {ws.last_error && ws.state === "failed" && (
        <p className="error-box" role="alert">
          {ws.last_error}
        </p>
      )}
      {ws.mode === "task" && (
        <p className="notice" data-testid="task-workspace">
          This workspace was made for a task: Claude runs in it headless. Its progress, pull request and
          follow-ups are on its page in <a href="#/tasks">Tasks</a>.
        </p>
      )}
      {res.error !== null && <ErrorMessage error={res.error} onRetry={res.reload} />}
      <WorkspaceActions ws={ws} onChanged={res.reload} />
      <EnvironmentNotice ws={ws} onChanged={res.reload} />
      {ws.state === "ready" && <AgentPanel ws={ws} />}
      {ws.state === "ready" && <PortsPanel id={ws.id} />}
      <SleepPanel ws={ws} />
      <GitPanel ws={ws} onOpened={res.reload} />
      <WorkspaceFacts ws={ws} />
      <BootBar ws={ws} />
      <BootProgress ws={ws} />
      <Timeline events={events} />
    </article>
  );
}
