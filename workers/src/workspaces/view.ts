import type { Snapshot, Workspace, WorkspaceEvent } from "../db/schema/index.ts";
import { restartState } from "../environment/restart.ts";
import type { Settings } from "../settings.ts";
import { costSoFar } from "./policy.ts";
import { sleepView } from "./sleep-view.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function workspaceUrl(ws: Pick<Workspace, "hostname">, settings: Settings): string {
  return `${settings.workspaceScheme}://${ws.hostname}${settings.workspacePort ? `:${settings.workspacePort}` : ""}`;
}

/** The API's view of a workspace: never a token hash, never a secret. */
export function workspaceSummary(
  ws: Workspace,
  settings: Settings,
  now = Date.now(),
  stored: Snapshot[] = [],
) {
  const cost = costSoFar(ws, now);
  return {
    id: ws.id,
    name: ws.name,
    mode: ws.mode,
    state: ws.state,
    state_reason: ws.stateReason,
    repo_url: ws.repoUrl,
    branch: ws.branch,
    server_type: ws.serverType,
    location: ws.location,
    hostname: ws.hostname,
    url: workspaceUrl(ws, settings),
    idle_timeout_minutes: ws.idleTimeoutMinutes,
    created_at: ws.createdAt.toISOString(),
    ready_at: iso(ws.readyAt),
    ended_at: iso(ws.endedAt),
    last_activity_at: iso(lastActivity(ws)),
    github_repository: ws.githubRepository,
    cost: {
      hourly_eur: ws.hourlyPrice,
      total_eur: cost?.eur ?? 0,
      billed_hours: cost?.hours ?? 0,
    },
    sleep: sleepView(ws, stored, settings, now),
  };
}

function lastActivity(ws: Workspace): Date | null {
  const candidates = [ws.lastHumanInputAt, ws.readyAt].filter((d): d is Date => d !== null);
  return candidates.length ? new Date(Math.max(...candidates.map((d) => d.getTime()))) : null;
}

export function workspaceDetail(
  ws: Workspace,
  progress: WorkspaceEvent[],
  settings: Settings,
  now = Date.now(),
  secretsChangedAt: Date | null = null,
  stored: Snapshot[] = [],
) {
  // The secrets the VM has were read at bootstrap, or at the last fetch after a restart.
  const loaded = ws.secretsFetchedAt ?? ws.bootstrapRedeemedAt;
  return {
    ...workspaceSummary(ws, settings, now, stored),
    server_id: ws.serverId,
    ipv4: ws.ipv4,
    runtime: ws.runtime,
    last_error: ws.lastError,
    agent: {
      last_heartbeat_at: iso(ws.lastHeartbeatAt),
      last_human_input_at: iso(ws.lastHumanInputAt),
      claude_state: ws.claudeState,
      claude_waiting_reason: ws.claudeWaitingReason,
      open_terminals: ws.openTerminals,
      idle_warning: ws.idleWarning,
      idle_shutdown_at: iso(ws.idleShutdownAt),
    },
    progress: progress.map((e) => ({ at: e.at.toISOString(), message: e.message })),
    git: gitView(ws),
    secrets_changed_since_start:
      loaded !== null && secretsChangedAt !== null && secretsChangedAt.getTime() > loaded.getTime(),
    environment: {
      secrets_generation: ws.secretsGeneration,
      applied_generation: ws.secretsAppliedGeneration,
      restart: restartState(ws),
    },
  };
}

export function eventView(e: WorkspaceEvent) {
  return { id: e.id, at: e.at.toISOString(), type: e.type, message: e.message };
}

/** The repository's git status as the agent last reported it, and the App's access to it. */
export function gitView(ws: Workspace) {
  return {
    branch: ws.gitBranch,
    ahead: ws.gitAhead,
    pushed: ws.gitPushed,
    reported_at: iso(ws.gitReportedAt),
    /** The App lost access to the repository (uninstalled or suspended) since the workspace started. */
    access_revoked: ws.githubRevokedAt !== null,
    pull_request:
      ws.pullRequestUrl && ws.pullRequestNumber !== null
        ? { url: ws.pullRequestUrl, number: ws.pullRequestNumber, branch: ws.pullRequestBranch }
        : null,
  };
}
