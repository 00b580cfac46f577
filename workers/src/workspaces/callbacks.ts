import { errorCodes, type HeartbeatRequest, type ShutdownRequest } from "@berth/protocol";
import { and, eq, isNull, sql } from "drizzle-orm";
import { readClaudeKey } from "../credentials/claude-key.ts";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import { noteAppliedGeneration } from "../environment/restart.ts";
import { secretsForWorkspace } from "../environment/user-secrets.ts";
import { workspaceGit } from "../github/identity.ts";
import { ApiError } from "../http/errors.ts";
import { notifyUser } from "../push/notify.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { randomToken, sha256Hex } from "../security/tokens.ts";
import { taskSpecFor } from "../tasks/agent.ts";
import { publicPorts, syncReportedPorts } from "./ports.ts";
import type { LifecycleDeps } from "./reconcile.ts";
import { stopWorkspace } from "./service.ts";
import { fallAsleepOnCheckpoint, isWaking, sleepOnSnapshot, wakeDone, wakeFailed } from "./sleep.ts";
import { isTerminal } from "./state-machine.ts";
import { loadWorkspace, recordEvent, transition, updateWorkspace } from "./store.ts";

const unauthorized = (message: string) => new ApiError(401, errorCodes.unauthorized, message);

/**
 * The agent trades its one-time bootstrap token for its callback token, the user's Claude key and
 * the user's secrets for this repository (the only way they reach a VM: never in user_data).
 * Exactly one redemption can succeed. A wrong token writes nothing (anyone can send one); a refused
 * attempt with the right token (a second use, a late or expired one) is worth seeing: it means the
 * token leaked or the VM is confused, so it goes on the timeline (capped, like every event kind).
 */
export async function redeemBootstrap(deps: LifecycleDeps, box: SecretBox, id: string, token: string) {
  const ws = await loadWorkspace(deps.db, id);
  // Like a wrong token: whether a workspace id exists is nobody's business without its token.
  if (!ws) throw unauthorized("bootstrap refused: unknown token");
  const hash = await sha256Hex(token);
  if (!ws.bootstrapTokenHash || ws.bootstrapTokenHash !== hash) {
    throw new ApiError(401, errorCodes.unauthorized, "bootstrap refused: unknown token");
  }
  const refuse = async (why: string, status: 401 | 409) => {
    await recordEvent(deps.db, id, "bootstrap_refused", `bootstrap refused: ${why}`);
    throw new ApiError(
      status,
      status === 409 ? errorCodes.conflict : errorCodes.unauthorized,
      `bootstrap refused: ${why}`,
    );
  };
  if (ws.bootstrapRedeemedAt) return refuse("token already used", 409);
  if (isTerminal(ws.state) || ["stopping", "sleeping", "asleep"].includes(ws.state))
    return refuse(`workspace is ${ws.state}`, 409);
  if (!ws.bootstrapExpiresAt || ws.bootstrapExpiresAt.getTime() < deps.now())
    return refuse("token expired", 401);

  const callbackToken = randomToken("cb_");
  // Compare-and-set on "not yet redeemed": of two racing redemptions only one gets a row back.
  const [won] = await deps.db
    .update(workspaces)
    .set({
      bootstrapRedeemedAt: new Date(deps.now()),
      callbackTokenHash: await sha256Hex(callbackToken),
      updatedAt: new Date(deps.now()),
    })
    .where(
      and(
        eq(workspaces.id, id),
        eq(workspaces.bootstrapTokenHash, hash),
        isNull(workspaces.bootstrapRedeemedAt),
      ),
    )
    .returning({ id: workspaces.id });
  if (!won) return refuse("token already used", 409);
  await recordEvent(deps.db, id, "bootstrap", "the agent redeemed its bootstrap token");
  return {
    callback_token: callbackToken,
    claude_api_key: await readClaudeKey(deps.db, box, ws.ownerId),
    user_secrets: await secretsForWorkspace(deps.db, box, ws.ownerId, ws.repoUrl),
    // A wake: the agent restores this snapshot before the terminal opens.
    restore: ws.restoreSnapshotId ? { snapshot_id: ws.restoreSnapshotId } : null,
    // The repository and commit identity only: the token comes later, on demand (gitCredentials).
    git: await workspaceGit(deps, ws),
    // A task workspace: the job (its prompt reaches the VM only here, never through user_data).
    task: await taskSpecFor(deps, ws),
  };
}

/** The workspace a callback token belongs to; a token for another workspace is refused. */
export async function authenticateCallback(
  deps: LifecycleDeps,
  id: string,
  token: string,
): Promise<Workspace> {
  const ws = await loadWorkspace(deps.db, id);
  // An unknown workspace gets the same answer as a wrong token: a VM route tells nobody which ids exist.
  if (!ws?.callbackTokenHash || ws.callbackTokenHash !== (await sha256Hex(token))) {
    throw unauthorized("invalid callback token for this workspace");
  }
  return ws;
}

export async function recordProgress(
  deps: LifecycleDeps,
  ws: Workspace,
  step: string,
  message: string,
  at?: string,
) {
  const when = at ? Math.min(Date.parse(at), deps.now()) : deps.now();
  const stored = await recordEvent(
    deps.db,
    ws.id,
    "progress",
    `[${step}] ${message}`,
    Number.isFinite(when) ? when : deps.now(),
  );
  return { stored };
}

export async function markReady(deps: LifecycleDeps, ws: Workspace, runtime: string) {
  if (ws.state === "ready") return ws;
  if (ws.state !== "booting") {
    throw new ApiError(409, errorCodes.conflict, `the workspace is ${ws.state}, not booting`);
  }
  const now = new Date(deps.now());
  const ready = await transition(deps.db, ws, "ready", `terminal is up (${runtime})`, {
    readyAt: now,
    runtime,
    lastHeartbeatAt: now,
    // A wake is over: nothing expires while the workspace is up.
    asleepAt: null,
    sleepSnapshotId: null,
    restoreSnapshotId: null,
  });
  if (ready) await wakeDone(deps, ws);
  return ready ?? (await loadWorkspace(deps.db, ws.id)) ?? ws;
}

/**
 * True once per wait: when this heartbeat is the first to say Claude waits on a permission prompt.
 * One conditional update decides it, so two heartbeats racing cannot both notify.
 */
async function enteredPermissionPrompt(deps: LifecycleDeps, ws: Workspace, beat: HeartbeatRequest) {
  if (beat.claude.state !== "waiting" || beat.claude.waiting_reason !== "permission_prompt") return false;
  const changed = await deps.db
    .update(workspaces)
    .set({ claudeState: "waiting", claudeWaitingReason: "permission_prompt" })
    .where(
      and(
        eq(workspaces.id, ws.id),
        sql`(${workspaces.claudeState} IS NOT 'waiting' OR ${workspaces.claudeWaitingReason} IS NOT 'permission_prompt')`,
      ),
    )
    .returning({ id: workspaces.id });
  return changed.length > 0;
}

/**
 * `inBackground` lets the route answer the agent before push services are asked (Workers'
 * waitUntil): a slow push service must not slow a heartbeat. Without it, the work is awaited.
 */
export async function recordHeartbeat(
  deps: LifecycleDeps,
  ws: Workspace,
  beat: HeartbeatRequest,
  inBackground: (work: Promise<void>) => void | Promise<void> = (work) => work,
) {
  // "sleeping" in the answer tells the agent to upload its sleep snapshot, then call shutdown.
  if (isTerminal(ws.state) || ws.state === "stopping" || ws.state === "asleep") {
    return { state: ws.state, public_ports: [], secrets_generation: ws.secretsGeneration };
  }
  // Past events (last input) cannot be in the future; the shutdown deadline is, but within a day.
  const past = (iso: string | null | undefined) =>
    iso ? new Date(Math.min(Date.parse(iso), deps.now())) : null;
  const future = (iso: string | null | undefined) =>
    iso ? new Date(Math.min(Date.parse(iso), deps.now() + 86_400_000)) : null;
  const startedWaiting = await enteredPermissionPrompt(deps, ws, beat);
  await updateWorkspace(deps.db, ws.id, {
    lastHeartbeatAt: new Date(deps.now()),
    lastHumanInputAt: past(beat.last_human_input_at) ?? ws.lastHumanInputAt,
    claudeState: beat.claude.state,
    claudeWaitingReason: beat.claude.state === "waiting" ? (beat.claude.waiting_reason ?? null) : null,
    openTerminals: beat.open_terminals,
    idleWarning: beat.idle.warning,
    idleShutdownAt: beat.idle.warning ? future(beat.idle.shutdown_at) : null,
    // An older agent sends no git status: the last one known stays.
    ...(beat.git
      ? {
          gitBranch: beat.git.branch,
          gitAhead: beat.git.ahead,
          gitPushed: beat.git.pushed,
          gitReportedAt: new Date(deps.now()),
        }
      : {}),
  });
  // An older agent sends no ports: nothing is known then, so nothing is marked as stopped.
  if (beat.ports) await syncReportedPorts(deps.db, ws.id, beat.ports, deps.now());
  // An older agent says nothing about secrets: nothing is known to be applied then.
  if (beat.secrets_generation !== undefined) await noteAppliedGeneration(deps, ws, beat.secrets_generation);
  if (startedWaiting)
    await inBackground(
      notifyUser(deps, ws.ownerId, {
        kind: "claude_waiting",
        title: `Claude is waiting in ${ws.name}`,
        body: "Claude asks for permission to go on.",
        url: `/#/w/${ws.id}`,
        tag: `claude-waiting-${ws.id}`,
      }),
    );
  return {
    state: ws.state,
    public_ports: await publicPorts(deps.db, ws.id),
    secrets_generation: ws.secretsGeneration,
  };
}

export async function requestShutdown(deps: LifecycleDeps, ws: Workspace, request: ShutdownRequest) {
  const detail = request.detail ? `: ${request.detail.slice(0, 500)}` : "";
  await recordEvent(
    deps.db,
    ws.id,
    "shutdown_requested",
    `the agent asked to shut down (${request.reason})${detail}`,
  );
  // A workspace that never came up failed; its VM goes all the same (the reconciler cleans up). A
  // wake that could not restore goes back to asleep: its snapshot is kept.
  if (request.reason === "boot_failed" && ws.state === "booting") {
    if (isWaking(ws))
      return wakeFailed(deps, ws, request.detail?.slice(0, 500) ?? "the VM could not restore it");
    return (await transition(deps.db, ws, "failed", `boot failed${detail}`)) ?? ws;
  }
  const reasons: Record<ShutdownRequest["reason"], string> = {
    idle: "idle",
    max_lifetime: "maximum lifetime reached",
    user: "requested on the VM",
    boot_failed: "boot failed",
  };
  const why = `agent: ${reasons[request.reason]}${detail}`;
  if (ws.state === "ready" || ws.state === "sleeping") {
    // The VM goes only after a verified snapshot: with one named, at once; without one (an agent
    // that could not make it), on the newest checkpoint, saying how old it is or that none exists.
    if (request.snapshot_id) return sleepOnSnapshot(deps, ws, request.snapshot_id, why);
    return fallAsleepOnCheckpoint(deps, ws, `${why}, without a sleep snapshot`);
  }
  return stopWorkspace(deps, ws, why);
}
