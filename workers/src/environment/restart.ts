import { errorCodes, type SecretsResponse } from "@berth/protocol";
import { and, eq, sql } from "drizzle-orm";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import type { SecretBox } from "../security/secret-box.ts";
import type { LifecycleDeps } from "../workspaces/reconcile.ts";
import { isTerminal } from "../workspaces/state-machine.ts";
import { recordEvent, updateWorkspace } from "../workspaces/store.ts";
import { secretsForWorkspace } from "./user-secrets.ts";

/** Where a restart of the environment stands, for the dashboard. */
export type EnvironmentRestart = "none" | "pending" | "applied";

export function restartState(
  ws: Pick<Workspace, "secretsGeneration" | "secretsAppliedGeneration">,
): EnvironmentRestart {
  if (ws.secretsGeneration === 0) return "none";
  return ws.secretsAppliedGeneration >= ws.secretsGeneration ? "applied" : "pending";
}

/**
 * The owner asks for their current secrets in a running workspace: the generation goes up, the
 * agent sees it in its next heartbeat's answer and fetches them (terminals already open keep
 * theirs: a process's environment cannot be changed from outside). Only a ready workspace has an
 * agent listening; the state is checked in the same statement that bumps, so a workspace stopping
 * meanwhile is refused too.
 */
export async function restartEnvironment(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  const [row] = await deps.db
    .update(workspaces)
    .set({
      secretsGeneration: sql`${workspaces.secretsGeneration} + 1`,
      updatedAt: new Date(deps.now()),
    })
    .where(and(eq(workspaces.id, ws.id), eq(workspaces.state, "ready")))
    .returning();
  if (!row) {
    throw new ApiError(
      409,
      errorCodes.conflict,
      `the workspace is ${ws.state}; its environment restarts only while it is ready`,
    );
  }
  await recordEvent(
    deps.db,
    ws.id,
    "environment",
    `restart of the environment requested (secrets generation ${row.secretsGeneration}): the agent fetches your current secrets`,
    deps.now(),
  );
  return row;
}

/**
 * The agent's fetch after a restart: the same choice of secrets as bootstrap (the owner's, for this
 * workspace's repository), and the generation they answer. Remembers when they were read, so the
 * dashboard stops saying that secrets changed since the workspace got them.
 */
export async function secretsForAgent(
  deps: LifecycleDeps,
  box: SecretBox,
  ws: Workspace,
): Promise<SecretsResponse> {
  if (isTerminal(ws.state) || ws.state === "stopping") {
    throw new ApiError(409, errorCodes.conflict, `the workspace is ${ws.state}`);
  }
  const readAt = new Date(deps.now());
  const secrets = await secretsForWorkspace(deps.db, box, ws.ownerId, ws.repoUrl);
  await updateWorkspace(deps.db, ws.id, { secretsFetchedAt: readAt });
  return { user_secrets: secrets, secrets_generation: ws.secretsGeneration };
}

/**
 * The generation the agent says it applied (heartbeat). It cannot claim one not yet asked for; the
 * first time it catches up with the latest, the timeline says so.
 */
export async function noteAppliedGeneration(deps: LifecycleDeps, ws: Workspace, applied: number) {
  const next = Math.min(applied, ws.secretsGeneration);
  if (next === ws.secretsAppliedGeneration) return;
  await updateWorkspace(deps.db, ws.id, { secretsAppliedGeneration: next });
  if (next === ws.secretsGeneration && next > ws.secretsAppliedGeneration) {
    await recordEvent(
      deps.db,
      ws.id,
      "environment",
      "the agent applied your current secrets: new terminals get them; terminals already open keep the values they started with",
      deps.now(),
    );
  }
}
