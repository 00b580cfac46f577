import type { AgentConfig } from "@berth/protocol/agent";
import type { Runtime } from "./boot/boot.ts";
import type { IdleReport } from "./idle/report.ts";
import type { SessionInfo as WireSessionInfo } from "./terminal/wire.ts";

export const agentVersion = "0.1.0";

export type AgentPhase = "starting" | "booting" | "ready" | "failed" | "shutting_down";

/** What the status snapshot shows of a terminal session (the wire protocol's listing has more). */
export type SessionInfo = Pick<WireSessionInfo, "id" | "name" | "createdAt" | "clients" | "pid">;

/** What GET /status serves (loopback only) and `berth-agent status` prints. Holds no secret. */
export interface AgentStatus {
  version: string;
  pid: number;
  workspace_id: string;
  hostname: string;
  phase: AgentPhase;
  runtime: Runtime | null;
  error: string | null;
  now: string;
  started_at: string;
  idle: {
    idle_seconds: number;
    idle_timeout_seconds: number;
    grace_seconds: number;
    last_activity_at: string;
    last_human_input_at: string | null;
    warning: boolean;
    shutdown_at: string;
    shutdown_reason: string;
    shutdown_decided: boolean;
    max_lifetime_at: string;
  };
  claude: {
    state: string;
    waiting_reason: string | null;
    last_activity_at: string | null;
    sessions: number;
  };
  sessions: SessionInfo[];
  shutdown_request: "none" | "pending" | "done" | "refused";
  heartbeat: { last_at: string | null; ok: boolean | null; error: string | null };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function buildStatus(input: {
  config: AgentConfig;
  phase: AgentPhase;
  runtime: Runtime | null;
  error: string | null;
  idle: IdleReport;
  sessions: SessionInfo[];
  shutdownRequest: AgentStatus["shutdown_request"];
  heartbeat: { lastAt: number | null; ok: boolean | null; error: string | null };
}): AgentStatus {
  const { config, idle } = input;
  return {
    version: agentVersion,
    pid: process.pid,
    workspace_id: config.workspace_id,
    hostname: config.hostname,
    phase: input.phase,
    runtime: input.runtime,
    error: input.error,
    now: iso(idle.now),
    started_at: iso(idle.startedAt),
    idle: {
      idle_seconds: Math.floor(idle.idleMs / 1000),
      idle_timeout_seconds: config.idle_timeout_seconds,
      grace_seconds: config.idle_grace_seconds,
      last_activity_at: iso(idle.lastActivityAt),
      last_human_input_at: idle.lastHumanInputAt === null ? null : iso(idle.lastHumanInputAt),
      warning: idle.warning,
      shutdown_at: iso(idle.shutdownAt),
      shutdown_reason: idle.shutdownReason,
      shutdown_decided: idle.shutdownDecided,
      max_lifetime_at: iso(idle.startedAt + config.max_lifetime_seconds * 1000),
    },
    claude: {
      state: idle.claude.state,
      waiting_reason: idle.claude.waitingReason,
      last_activity_at: idle.claude.lastWorkAt === null ? null : iso(idle.claude.lastWorkAt),
      sessions: idle.claude.sessions,
    },
    sessions: input.sessions,
    shutdown_request: input.shutdownRequest,
    heartbeat: {
      last_at: input.heartbeat.lastAt === null ? null : iso(input.heartbeat.lastAt),
      ok: input.heartbeat.ok,
      error: input.heartbeat.error,
    },
  };
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** Human-readable form for `berth-agent status`; tolerant of fields missing from another version. */
export function formatStatus(s: AgentStatus): string {
  const now = Date.parse(s.now);
  const until = (at: string) => formatDuration((Date.parse(at) - now) / 1000);
  const lines = [
    `berth-agent ${s.version} (pid ${s.pid}) — workspace ${s.workspace_id} (${s.hostname})`,
    `state:      ${s.phase}${s.runtime ? `, shell on the ${s.runtime === "host" ? "host" : "devcontainer"}` : ""}${s.error ? ` — ${s.error}` : ""}`,
    `claude:     ${s.claude.state}${s.claude.waiting_reason ? ` (${s.claude.waiting_reason})` : ""}`,
    `idle:       ${formatDuration(s.idle.idle_seconds)} of ${formatDuration(s.idle.idle_timeout_seconds)}`,
  ];
  if (s.idle.shutdown_decided) {
    lines.push(`shutdown:   decided (${s.idle.shutdown_reason}), request ${s.shutdown_request}`);
  } else if (s.idle.warning) {
    lines.push(
      `shutdown:   WARNING — in ${until(s.idle.shutdown_at)} (${s.idle.shutdown_reason}) unless activity returns`,
    );
  } else {
    lines.push(`shutdown:   in ${until(s.idle.shutdown_at)} if nothing happens (${s.idle.shutdown_reason})`);
  }
  lines.push(`lifetime:   ends in ${until(s.idle.max_lifetime_at)}`);
  lines.push(`sessions:   ${s.sessions.length}`);
  for (const t of s.sessions) {
    lines.push(`  - ${t.name} (${t.id}) pid ${t.pid}, ${t.clients} client(s), since ${t.createdAt}`);
  }
  if (s.heartbeat.last_at) {
    lines.push(
      `heartbeat:  ${s.heartbeat.ok ? "ok" : `failed (${s.heartbeat.error})`} at ${s.heartbeat.last_at}`,
    );
  }
  return lines.join("\n");
}
