import type { ClaudeHookEvent, ClaudeState, ClaudeWaitReason, ShutdownRequest } from "@berth/protocol/agent";
import { claudeWaitReasons } from "@berth/protocol/agent";

/**
 * The idle policy as a pure state machine: every function takes the state and a time and returns a
 * new state. No clocks, timers or I/O here, so the scenarios in test/idle run on a fake clock.
 *
 * Activity is human input on a terminal or Claude working. Working is a lease per Claude session:
 * a prompt or tool hook starts/renews it, Stop ends it, and it lapses by itself (Claude fires no
 * Stop when a person presses Esc) and at a hard cap (a runaway loop must not keep a VM forever).
 */

export type ShutdownReason = ShutdownRequest["reason"];

export interface IdleSettings {
  idleTimeoutMs: number;
  graceMs: number;
  maxLifetimeMs: number;
  /** A working lease lapses this long after the last hook. */
  leaseMs: number;
  /** Running subagents keep Claude working until this long after their last hook. */
  subagentLeaseMs: number;
  /** No single lease (or run of subagents) counts as work for longer than this. */
  leaseCapMs: number;
}

export const defaultLeaseSettings = {
  leaseMs: 5 * 60_000,
  subagentLeaseMs: 10 * 60_000,
  leaseCapMs: 4 * 60 * 60_000,
} as const;

/**
 * The lease settings, with the machine's override of the lease (BERTH_CLAUDE_LEASE_SECONDS): the
 * end-to-end test lets a killed Claude's lease lapse in a couple of minutes instead of five.
 */
export function leaseSettings(env: Record<string, string | undefined>): {
  leaseMs: number;
  subagentLeaseMs: number;
  leaseCapMs: number;
} {
  const seconds = Number(env.BERTH_CLAUDE_LEASE_SECONDS);
  if (!Number.isFinite(seconds) || seconds <= 0) return defaultLeaseSettings;
  return { ...defaultLeaseSettings, leaseMs: seconds * 1000 };
}

export interface ClaudeSession {
  /** When the current lease started, or null when there is none (ended, lapsed or never). */
  leaseStartedAt: number | null;
  leaseRenewedAt: number | null;
  /** Subagents started and not yet stopped. */
  subagents: number;
  subagentsSince: number | null;
  subagentRenewedAt: number | null;
  waitingReason: ClaudeWaitReason | null;
}

export interface IdleState {
  /** First start of the agent on this VM (persisted): max lifetime counts from here. */
  startedAt: number;
  /** Latest activity folded in so far (persisted, so a restart keeps the idle clock). */
  lastActivityAt: number;
  lastHumanInputAt: number | null;
  /** Last hook that renewed a working lease. */
  lastClaudeWorkAt: number | null;
  sessions: Record<string, ClaudeSession>;
  /** The warning currently shown, so actions are emitted only on change. */
  warning: { reason: ShutdownReason; shutdownAt: number } | null;
  /** Set once: the decision is final and never emitted again. */
  shutdownReason: ShutdownReason | null;
}

export interface HookInput {
  event: ClaudeHookEvent;
  sessionId: string;
  /** Notification's notification_type. */
  notificationType?: string | null;
}

export type IdleAction =
  | { type: "warn"; reason: ShutdownReason; shutdownAt: number }
  | { type: "cancel_warning" }
  | { type: "shutdown"; reason: ShutdownReason };

export interface PersistedIdle {
  startedAt: number;
  lastActivityAt: number;
  lastHumanInputAt: number | null;
}

export function initialIdleState(now: number, persisted?: PersistedIdle | null): IdleState {
  return {
    startedAt: persisted?.startedAt ?? now,
    // A restart is not activity: the restored time stands, `now` is only used on first start.
    lastActivityAt: persisted?.lastActivityAt ?? now,
    lastHumanInputAt: persisted?.lastHumanInputAt ?? null,
    lastClaudeWorkAt: null,
    sessions: {},
    warning: null,
    shutdownReason: null,
  };
}

export function persistable(state: IdleState): PersistedIdle {
  return {
    startedAt: state.startedAt,
    lastActivityAt: state.lastActivityAt,
    lastHumanInputAt: state.lastHumanInputAt,
  };
}

export function recordHumanInput(state: IdleState, now: number): IdleState {
  return { ...state, lastHumanInputAt: now, lastActivityAt: Math.max(state.lastActivityAt, now) };
}

/**
 * Activity that is neither a keystroke nor Claude: the daemon uses it once, when a first boot
 * finishes, so a slow devcontainer build does not eat the person's idle allowance.
 */
export function recordActivity(state: IdleState, now: number): IdleState {
  return { ...state, lastActivityAt: Math.max(state.lastActivityAt, now) };
}

const emptySession: ClaudeSession = {
  leaseStartedAt: null,
  leaseRenewedAt: null,
  subagents: 0,
  subagentsSince: null,
  subagentRenewedAt: null,
  waitingReason: null,
};

function mainLeaseEnd(s: ClaudeSession, st: IdleSettings): number | null {
  if (s.leaseStartedAt === null || s.leaseRenewedAt === null) return null;
  return Math.min(s.leaseRenewedAt + st.leaseMs, s.leaseStartedAt + st.leaseCapMs);
}

function subagentLeaseEnd(s: ClaudeSession, st: IdleSettings): number | null {
  if (s.subagents <= 0 || s.subagentsSince === null || s.subagentRenewedAt === null) return null;
  return Math.min(s.subagentRenewedAt + st.subagentLeaseMs, s.subagentsSince + st.leaseCapMs);
}

/** When this session stops (or stopped) counting as work; null if it holds no lease at all. */
function sessionWorkEnd(s: ClaudeSession, st: IdleSettings): number | null {
  // Waiting for a person is not work, whatever leases are still open.
  if (s.waitingReason !== null) return null;
  const a = mainLeaseEnd(s, st);
  const b = subagentLeaseEnd(s, st);
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

export function sessionWorking(s: ClaudeSession, now: number, st: IdleSettings): boolean {
  const end = sessionWorkEnd(s, st);
  return end !== null && now < end;
}

/** Latest moment any Claude session counted as work, capped at `now`. */
function claudeActivityAt(state: IdleState, now: number, st: IdleSettings): number | null {
  let latest: number | null = null;
  for (const s of Object.values(state.sessions)) {
    const end = sessionWorkEnd(s, st);
    if (end === null) continue;
    const at = Math.min(end, now);
    latest = latest === null ? at : Math.max(latest, at);
  }
  return latest;
}

/** Folds the work a session did up to `now` into lastActivityAt before its leases change. */
function foldActivity(state: IdleState, now: number, st: IdleSettings): IdleState {
  const claude = claudeActivityAt(state, now, st);
  if (claude === null || claude <= state.lastActivityAt) return state;
  return { ...state, lastActivityAt: claude };
}

function renewLease(s: ClaudeSession, now: number, st: IdleSettings, fresh: boolean): ClaudeSession {
  const end = mainLeaseEnd(s, st);
  const capped = s.leaseStartedAt !== null && now >= s.leaseStartedAt + st.leaseCapMs;
  // A capped lease is not revived by tool hooks; only a new prompt or a Stop resets it.
  if (capped && !fresh) return { ...s, waitingReason: null };
  const active = end !== null && now < end;
  return {
    ...s,
    leaseStartedAt: active && !fresh ? s.leaseStartedAt : now,
    leaseRenewedAt: now,
    waitingReason: null,
  };
}

export function recordHook(state: IdleState, hook: HookInput, now: number, st: IdleSettings): IdleState {
  const folded = foldActivity(state, now, st);
  const prev = folded.sessions[hook.sessionId] ?? emptySession;
  let next: ClaudeSession | null = prev;
  let worked = false;
  switch (hook.event) {
    case "UserPromptSubmit":
      next = renewLease(prev, now, st, true);
      worked = true;
      break;
    case "PreToolUse":
    case "PostToolUse":
    case "PostToolUseFailure":
      next = renewLease(prev, now, st, false);
      // Tool hooks inside subagents renew the subagents' lease too.
      if (prev.subagents > 0) next = { ...next, subagentRenewedAt: now };
      // Past the hard cap a tool hook is not work (a runaway loop must not keep the VM).
      worked = sessionWorking(next, now, st);
      break;
    case "SubagentStart":
      next = {
        ...renewLease(prev, now, st, false),
        subagents: prev.subagents + 1,
        subagentsSince: prev.subagents > 0 ? prev.subagentsSince : now,
        subagentRenewedAt: now,
      };
      worked = sessionWorking(next, now, st);
      break;
    case "SubagentStop": {
      const subagents = Math.max(0, prev.subagents - 1);
      next = {
        ...prev,
        subagents,
        subagentsSince: subagents > 0 ? prev.subagentsSince : null,
        subagentRenewedAt: now,
      };
      worked = true;
      break;
    }
    case "Stop":
    case "StopFailure":
      // The turn is over; subagents still running keep their own lease.
      next = { ...prev, leaseStartedAt: null, leaseRenewedAt: null, waitingReason: null };
      worked = true;
      break;
    case "Notification": {
      const reason = claudeWaitReasons.find((r) => r === hook.notificationType);
      if (reason === undefined) return folded;
      next = { ...prev, waitingReason: reason, leaseStartedAt: null, leaseRenewedAt: null };
      break;
    }
    case "SessionEnd":
      next = null;
      break;
    case "SessionStart":
      next = prev;
      break;
  }
  const sessions = { ...folded.sessions };
  if (next === null) delete sessions[hook.sessionId];
  else sessions[hook.sessionId] = next;
  return {
    ...folded,
    sessions,
    lastActivityAt: worked ? Math.max(folded.lastActivityAt, now) : folded.lastActivityAt,
    lastClaudeWorkAt: worked ? now : folded.lastClaudeWorkAt,
  };
}

export interface ClaudeView {
  state: ClaudeState;
  waitingReason: ClaudeWaitReason | null;
}

export function claudeView(state: IdleState, now: number, st: IdleSettings): ClaudeView {
  const sessions = Object.values(state.sessions);
  if (sessions.some((s) => sessionWorking(s, now, st))) return { state: "working", waitingReason: null };
  const waiting = sessions.find((s) => s.waitingReason !== null);
  if (waiting) return { state: "waiting", waitingReason: waiting.waitingReason };
  return { state: "idle", waitingReason: null };
}

export interface IdleView {
  lastActivityAt: number;
  idleMs: number;
  shutdownAt: number;
  shutdownReason: ShutdownReason;
  warning: boolean;
}

/**
 * Where the clocks stand at `now`, without changing anything.
 *
 * A warning is a promise: once shown, the VM does not sleep before the moment it named, and a
 * warning is always shown a full grace before a sleep. So when the scheduled moment has already
 * passed without a warning on screen (a tick stalled on a loaded machine, or the agent restarted),
 * the sleep moves to `now + grace` instead of happening at once.
 */
export function idleView(state: IdleState, now: number, st: IdleSettings): IdleView {
  const claude = claudeActivityAt(state, now, st);
  const lastActivityAt = Math.max(state.lastActivityAt, claude ?? 0);
  const idleEnd = lastActivityAt + st.idleTimeoutMs + st.graceMs;
  const lifetimeEnd = state.startedAt + st.maxLifetimeMs;
  const shutdownReason: ShutdownReason = lifetimeEnd <= idleEnd ? "max_lifetime" : "idle";
  const scheduledAt = Math.min(idleEnd, lifetimeEnd);
  const warningDue = now >= scheduledAt - st.graceMs;
  const promisedAt = state.warning ? state.warning.shutdownAt : now + st.graceMs;
  const shutdownAt =
    warningDue && state.shutdownReason === null ? Math.max(scheduledAt, promisedAt) : scheduledAt;
  return {
    lastActivityAt,
    idleMs: Math.max(0, now - lastActivityAt),
    shutdownAt,
    shutdownReason,
    warning: state.shutdownReason !== null || warningDue,
  };
}

/**
 * The tick: folds Claude's work into the activity clock and decides. A shutdown is emitted exactly
 * once, and only once a warning naming that moment has been out for its grace; after that the state
 * is final and later ticks return no actions.
 */
export function evaluate(
  state: IdleState,
  now: number,
  st: IdleSettings,
): { state: IdleState; actions: IdleAction[] } {
  if (state.shutdownReason !== null) return { state, actions: [] };
  const view = idleView(state, now, st);
  let next: IdleState = { ...state, lastActivityAt: view.lastActivityAt };
  if (view.warning && state.warning && now >= view.shutdownAt) {
    next = { ...next, shutdownReason: view.shutdownReason };
    return { state: next, actions: [{ type: "shutdown", reason: view.shutdownReason }] };
  }
  if (view.warning) {
    const w = state.warning;
    if (w && w.reason === view.shutdownReason && w.shutdownAt === view.shutdownAt) {
      return { state: next, actions: [] };
    }
    const warning = { reason: view.shutdownReason, shutdownAt: view.shutdownAt };
    return { state: { ...next, warning }, actions: [{ type: "warn", ...warning }] };
  }
  if (state.warning) return { state: { ...next, warning: null }, actions: [{ type: "cancel_warning" }] };
  return { state: next, actions: [] };
}
