import type { ClaudeState, ClaudeWaitReason, HeartbeatRequest } from "@berth/protocol/agent";
import type { ShutdownReason } from "./policy.ts";

/** A snapshot of the idle clocks, for the heartbeat, GET /status and `berth-agent status`. */
export interface IdleReport {
  now: number;
  startedAt: number;
  lastHumanInputAt: number | null;
  lastActivityAt: number;
  idleMs: number;
  /** True once the warning is shown (or a shutdown is decided). */
  warning: boolean;
  /** When the VM shuts down unless activity returns (idle) or regardless (max lifetime). */
  shutdownAt: number;
  shutdownReason: ShutdownReason;
  shutdownDecided: boolean;
  claude: {
    state: ClaudeState;
    waitingReason: ClaudeWaitReason | null;
    lastWorkAt: number | null;
    sessions: number;
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function heartbeatBody(report: IdleReport, openTerminals: number): HeartbeatRequest {
  return {
    last_human_input_at: iso(report.lastHumanInputAt),
    claude: {
      state: report.claude.state,
      waiting_reason: report.claude.waitingReason,
      last_activity_at: iso(report.claude.lastWorkAt),
    },
    open_terminals: Math.min(1000, Math.max(0, openTerminals)),
    idle: {
      idle_seconds: Math.floor(report.idleMs / 1000),
      warning: report.warning,
      shutdown_at: report.warning ? iso(report.shutdownAt) : null,
    },
  };
}

/** The banner text shown in every terminal while a shutdown is pending. */
export function warningBanner(reason: ShutdownReason, shutdownAt: number, now: number): string {
  const at = new Date(shutdownAt).toISOString().slice(11, 16);
  const mins = Math.max(0, Math.ceil((shutdownAt - now) / 60_000));
  if (reason === "max_lifetime") {
    return `Berth: this workspace reaches its maximum lifetime and is going to sleep at ${at} UTC (in ${mins} min). Your work is saved first.`;
  }
  return `Berth: no activity for a while. This workspace is going to sleep at ${at} UTC (in ${mins} min) unless you type something. Your work is saved first.`;
}

export function settingsFromConfig(config: {
  idle_timeout_seconds: number;
  idle_grace_seconds: number;
  max_lifetime_seconds: number;
}) {
  return {
    idleTimeoutMs: config.idle_timeout_seconds * 1000,
    graceMs: config.idle_grace_seconds * 1000,
    maxLifetimeMs: config.max_lifetime_seconds * 1000,
  };
}
