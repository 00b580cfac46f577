import { defaultLocation, defaultServerType, errorCodes } from "@berth/protocol";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import { resolveRepoAccess } from "../github/access.ts";
import { ApiError } from "../http/errors.ts";
import { ProviderError } from "../providers/types.ts";
import { randomWorkspaceId } from "../security/tokens.ts";
import { newWorkspaceRow } from "./new-row.ts";
import type { LifecycleDeps } from "./reconcile.ts";
import { isWaking, wakeFailed, wakeWorkspace } from "./sleep.ts";
import { isDeletable, isStoppable } from "./state-machine.ts";
import { recordEvent, transition, updateWorkspace } from "./store.ts";
import { monthlyUsage } from "./usage.ts";

export interface CreateWorkspaceInput {
  repo_url: string;
  branch?: string | undefined;
  name?: string | undefined;
  server_type?: string | undefined;
  location?: string | undefined;
  idle_timeout_minutes?: number | undefined;
  snapshot_retention_days?: number | undefined;
  /** "task": made for a task (workers/src/tasks), which runs Claude headless in it. */
  mode?: "interactive" | "task" | undefined;
}

function nameFromRepo(repoUrl: string): string {
  const last = repoUrl.replace(/\/+$/, "").split(/[/:]/).pop() ?? "workspace";
  return last.replace(/\.git$/, "").slice(0, 64) || "workspace";
}

async function priceOf(deps: LifecycleDeps, serverType: string, location: string): Promise<number> {
  let prices: Awaited<ReturnType<LifecycleDeps["servers"]["listServerTypePrices"]>>;
  try {
    prices = await deps.servers.listServerTypePrices();
  } catch (err) {
    const message = err instanceof ProviderError ? err.message : "Hetzner is unreachable";
    throw new ApiError(
      503,
      errorCodes.upstream,
      `cannot check server types right now (${message}); try again`,
    );
  }
  const match = prices.find((p) => p.serverType === serverType && p.location === location);
  if (match?.deprecated) {
    const detail = `server type '${serverType}' is no longer sold by Hetzner; see GET /api/server-types`;
    throw new ApiError(422, errorCodes.validation, detail, {
      details: [{ path: "server_type", message: detail }],
    });
  }
  if (match) return match.hourlyGross;
  const onSale = prices.filter((p) => p.location === location && !p.deprecated);
  const types = [...new Set(onSale.map((p) => p.serverType))];
  const detail = types.length
    ? `server type '${serverType}' is not offered in ${location}; available there: ${types.sort().join(", ")}`
    : `unknown location '${location}'`;
  throw new ApiError(422, errorCodes.validation, detail, {
    details: [{ path: types.length ? "server_type" : "location", message: detail }],
  });
}

async function findByIdempotencyKey(deps: LifecycleDeps, ownerId: string, key: string) {
  const [row] = await deps.db
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.ownerId, ownerId), eq(workspaces.idempotencyKey, key)));
  return row ?? null;
}

// Asleep workspaces hold no VM: they cost storage only and do not count against the limits.
const live = notInArray(workspaces.state, ["deleted", "failed", "asleep"]);

/** Live workspaces of one owner, or of everyone when ownerId is null. */
function liveCountQuery(deps: LifecycleDeps, ownerId: string | null) {
  return deps.db
    .select({ n: sql<number>`count(*)` })
    .from(workspaces)
    .where(ownerId === null ? live : and(eq(workspaces.ownerId, ownerId), live));
}

export async function liveCount(deps: LifecycleDeps, ownerId: string | null): Promise<number> {
  const [row] = await liveCountQuery(deps, ownerId);
  return row?.n ?? 0;
}

const userLimitReached = (limit: number) =>
  new ApiError(409, errorCodes.limitReached, `you already have ${limit} live workspaces; stop one first`);
const globalLimitReached = (limit: number) =>
  new ApiError(
    409,
    errorCodes.limitReached,
    `this Berth already runs its maximum of ${limit} live workspaces (MAX_LIVE_WORKSPACES); try again later`,
  );

function assertAllowedType(deps: LifecycleDeps, serverType: string) {
  const allowed = deps.settings.allowedServerTypes;
  if (allowed.includes(serverType)) return;
  const detail = `server type '${serverType}' is not allowed on this Berth; allowed: ${allowed.join(", ")}`;
  throw new ApiError(422, errorCodes.validation, detail, {
    details: [{ path: "server_type", message: detail }],
  });
}

/** Refuses a create once this month's workspaces have cost the user's budget. */
async function assertWithinBudget(deps: LifecycleDeps, ownerId: string) {
  const usage = await monthlyUsage(deps, ownerId);
  if (usage.budgetEur === null || usage.spentEur < usage.budgetEur) return;
  throw new ApiError(
    409,
    errorCodes.budgetExhausted,
    `your workspaces cost €${usage.spentEur.toFixed(2)} in ${usage.month}, which uses up the monthly budget of €${usage.budgetEur.toFixed(2)}`,
  );
}
/**
 * Records a new workspace in `creating`; the reconciler does the rest. With an idempotency key, a
 * retried request returns the workspace the first one made instead of making another.
 */
export async function createWorkspace(
  deps: LifecycleDeps,
  ownerId: string,
  input: CreateWorkspaceInput,
  idempotencyKey: string | null,
): Promise<{ workspace: Workspace; created: boolean }> {
  const earlier = idempotencyKey ? await findByIdempotencyKey(deps, ownerId, idempotencyKey) : null;
  if (earlier) return { workspace: earlier, created: false };
  const limit = deps.settings.maxLiveWorkspacesPerUser;
  const globalLimit = deps.settings.maxLiveWorkspaces;
  const serverType = input.server_type ?? defaultServerType;
  const location = input.location ?? defaultLocation;
  assertAllowedType(deps, serverType);
  if ((await liveCount(deps, ownerId)) >= limit) throw userLimitReached(limit);
  if ((await liveCount(deps, null)) >= globalLimit) throw globalLimitReached(globalLimit);
  await assertWithinBudget(deps, ownerId);
  const hourlyPrice = await priceOf(deps, serverType, location);
  // Before any row (and so any VM) exists: a GitHub repo the App cannot reach is refused here.
  const github = await resolveRepoAccess(deps.github, input.repo_url);
  const id = randomWorkspaceId();
  const now = new Date(deps.now());
  const row = newWorkspaceRow(
    {
      id,
      ownerId,
      name: input.name ?? nameFromRepo(input.repo_url),
      repoUrl: input.repo_url,
      branch: input.branch ?? null,
      serverType,
      location,
      idleTimeoutMinutes: input.idle_timeout_minutes ?? deps.settings.defaultIdleTimeoutMinutes,
      hostname: `${id}.${deps.domain}`,
      idempotencyKey,
      hourlyPrice,
      ...(github ?? {}),
    },
    now,
  );
  row.snapshotRetentionDays = input.snapshot_retention_days ?? null;
  row.mode = input.mode ?? "interactive";
  try {
    // Insert and enforce both limits in one D1 batch (a transaction), so parallel creates cannot
    // all pass the count checks above: whichever lands past a limit removes itself.
    const [, overUser, overGlobal] = await deps.db.batch([
      deps.db.insert(workspaces).values(row),
      deps.db
        .delete(workspaces)
        .where(and(eq(workspaces.id, id), sql`(${liveCountQuery(deps, ownerId)}) > ${limit}`))
        .returning({ id: workspaces.id }),
      deps.db
        .delete(workspaces)
        .where(and(eq(workspaces.id, id), sql`(${liveCountQuery(deps, null)}) > ${globalLimit}`))
        .returning({ id: workspaces.id }),
    ]);
    if (overUser.length > 0) throw userLimitReached(limit);
    if (overGlobal.length > 0) throw globalLimitReached(globalLimit);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // Two concurrent requests with the same key: the unique index lets one win; return its row.
    const winner = idempotencyKey ? await findByIdempotencyKey(deps, ownerId, idempotencyKey) : null;
    if (winner) return { workspace: winner, created: false };
    throw err;
  }
  await recordEvent(deps.db, id, "state", `created: ${row.repoUrl} on ${serverType} in ${location}`);
  return { workspace: row, created: true };
}

/**
 * Stop (keep it listed) or delete (hide it). A stop of a ready workspace is a sleep (the agent
 * uploads its snapshot, then the VM goes); a stop of a wake still starting cancels the wake (back to
 * asleep); any other stop removes the server and DNS records. A delete always wins, from any live
 * state, and removes the snapshots too.
 */
export async function stopWorkspace(
  deps: LifecycleDeps,
  ws: Workspace,
  reason: string,
  opts: { hide?: boolean } = {},
): Promise<Workspace> {
  let current = ws;
  if (opts.hide && !ws.hidden) {
    await updateWorkspace(deps.db, ws.id, { hidden: true });
    current = { ...current, hidden: true };
  }
  if (opts.hide) {
    if (!isDeletable(current.state)) return current;
    return (await transition(deps.db, current, "stopping", reason)) ?? current;
  }
  if (!isStoppable(current.state)) return current;
  if (current.state === "ready") return (await transition(deps.db, current, "sleeping", reason)) ?? current;
  if (isWaking(current)) return wakeFailed(deps, current, `${reason} before it was up`, "cancelled");
  return (await transition(deps.db, current, "stopping", reason)) ?? current;
}

/** Wake an asleep workspace, within the same limits as a create (it will hold a VM again). */
export async function wake(deps: LifecycleDeps, ws: Workspace): Promise<Workspace> {
  if (ws.state === "asleep") {
    const limit = deps.settings.maxLiveWorkspacesPerUser;
    const globalLimit = deps.settings.maxLiveWorkspaces;
    if ((await liveCount(deps, ws.ownerId)) >= limit) throw userLimitReached(limit);
    if ((await liveCount(deps, null)) >= globalLimit) throw globalLimitReached(globalLimit);
    await assertWithinBudget(deps, ws.ownerId);
  }
  return wakeWorkspace(deps, ws);
}
