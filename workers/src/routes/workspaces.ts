import { errorCodes, terminalTokenQueryParam } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, lt, notInArray, or } from "drizzle-orm";
import type { Context } from "hono";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { type Workspace, workspaceEvents, workspaces } from "../db/schema/index.ts";
import { secretsChangedAt } from "../environment/user-secrets.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { parseSigningJwk, signTerminalToken } from "../security/terminal-tokens.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { type LifecycleDeps, reconcileWorkspace } from "../workspaces/reconcile.ts";
import { createWorkspace, stopWorkspace, wake } from "../workspaces/service.ts";
import { snapshotsByWorkspace } from "../workspaces/sleep-view.ts";
import { eventView, workspaceDetail, workspaceSummary, workspaceUrl } from "../workspaces/view.ts";
import {
  createWorkspaceBody,
  eventSchema,
  idempotencyHeader,
  idParam,
  listQuery,
  terminalTokenSchema,
  workspaceDetailSchema,
  workspaceSchema,
} from "./workspace-schemas.ts";

const tags = ["workspaces"];
const common = { tags, security: userSecurity, middleware: [requireUser] };
const conflict = { description: "Not possible in this state", content: errorResponses[404].content };

/** Another user's workspace is a 404, exactly like one that does not exist. */
export async function loadOwned(deps: LifecycleDeps, id: string, ownerId: string): Promise<Workspace> {
  const [row] = await deps.db
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.id, id), eq(workspaces.ownerId, ownerId)));
  if (!row) throw notFound("workspace");
  return row;
}

async function summaryOf(deps: LifecycleDeps, ws: Workspace) {
  const stored =
    ws.state === "asleep" ? ((await snapshotsByWorkspace(deps.db, [ws.id])).get(ws.id) ?? []) : [];
  return workspaceSummary(ws, deps.settings, deps.now(), stored);
}

/** Reconcile right after the request (the cron sweep catches whatever this misses). */
function reconcileSoon(c: Context, deps: LifecycleDeps, ws: Workspace) {
  c.executionCtx.waitUntil(reconcileWorkspace(deps, ws).then(() => undefined));
}

const create = createRoute({
  ...common,
  operationId: "createWorkspace",
  method: "post",
  path: "/",
  summary: "Create a workspace (a VM with the repo's devcontainer and Claude Code)",
  request: { body: jsonBody(createWorkspaceBody), headers: idempotencyHeader },
  responses: {
    201: jsonResponse(workspaceSchema, "Created; it boots in the background"),
    200: jsonResponse(workspaceSchema, "The workspace an earlier request with this Idempotency-Key made"),
    401: errorResponses[401],
    409: {
      description:
        "limit_reached: too many live workspaces (yours, MAX_LIVE_WORKSPACES_PER_USER, or this Berth's, MAX_LIVE_WORKSPACES); budget_exhausted: this month's workspaces already cost MONTHLY_BUDGET_EUR",
      content: errorResponses[404].content,
    },
    422: {
      description:
        "Invalid input, a server_type outside ALLOWED_SERVER_TYPES, or github_app_not_installed: a repository under GITHUB_WEB_URL the GitHub App is not installed on (the message and details carry the install link); no VM is made",
      content: errorResponses[422].content,
    },
    502: {
      description: "GitHub failed while checking the App's access",
      content: errorResponses[422].content,
    },
  },
});

const list = createRoute({
  ...common,
  operationId: "listWorkspaces",
  method: "get",
  path: "/",
  summary: "Your workspaces, newest first",
  request: { query: listQuery },
  responses: {
    200: jsonResponse(
      z.object({ workspaces: z.array(workspaceSchema), next_cursor: z.string().nullable() }),
      "A page of workspaces",
    ),
    401: errorResponses[401],
  },
});

const get = createRoute({
  ...common,
  operationId: "getWorkspace",
  method: "get",
  path: "/{id}",
  summary: "One workspace, with boot progress, agent status and cost",
  request: { params: idParam },
  responses: { 200: jsonResponse(workspaceDetailSchema, "The workspace"), 404: errorResponses[404] },
});

const stop = createRoute({
  ...common,
  operationId: "stopWorkspace",
  method: "post",
  path: "/{id}/stop",
  summary:
    "Stop: a ready workspace goes to sleep (snapshot verified, then its VM and DNS records are deleted); one still starting is stopped",
  request: { params: idParam },
  responses: { 202: jsonResponse(workspaceSchema, "Stopping"), 404: errorResponses[404] },
});

const remove = createRoute({
  ...common,
  operationId: "deleteWorkspace",
  method: "delete",
  path: "/{id}",
  summary:
    "Delete: remove its VM, DNS records and every snapshot (the work is gone), and remove it from your list",
  request: { params: idParam },
  responses: { 202: jsonResponse(workspaceSchema, "Deleting"), 404: errorResponses[404] },
});

const wakeRoute = createRoute({
  ...common,
  operationId: "wakeWorkspace",
  method: "post",
  path: "/{id}/wake",
  summary: "Wake an asleep workspace: a new VM restores its snapshot before the terminal opens",
  request: { params: idParam },
  responses: {
    202: jsonResponse(workspaceSchema, "Waking"),
    404: errorResponses[404],
    409: {
      description: "Not asleep, or a limit (live workspaces, monthly budget) is reached",
      content: errorResponses[404].content,
    },
  },
});

const events = createRoute({
  ...common,
  operationId: "listWorkspaceEvents",
  method: "get",
  path: "/{id}/events",
  summary: "The workspace's timeline",
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ events: z.array(eventSchema) }), "Events, oldest first"),
    404: errorResponses[404],
  },
});

const terminalToken = createRoute({
  ...common,
  operationId: "createTerminalToken",
  method: "post",
  path: "/{id}/terminal-token",
  summary: "A 60-second token that opens the workspace's terminal",
  request: { params: idParam },
  responses: {
    200: jsonResponse(terminalTokenSchema, "Open `url` in a browser"),
    404: errorResponses[404],
    409: conflict,
  },
});

export const workspaceRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const deps = lifecycleDeps(c.env);
    const key = c.req.valid("header")["idempotency-key"] ?? null;
    const { workspace, created } = await createWorkspace(deps, c.get("user").id, c.req.valid("json"), key);
    if (created) reconcileSoon(c, deps, workspace);
    return c.json(workspaceSummary(workspace, deps.settings), created ? 201 : 200);
  })
  .openapi(list, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { limit, cursor, include_ended } = c.req.valid("query");
    const filters = [eq(workspaces.ownerId, c.get("user").id), eq(workspaces.hidden, false)];
    if (include_ended === "false") filters.push(notInArray(workspaces.state, ["deleted", "failed"]));
    if (cursor) {
      const [ms, id] = cursor.split("_") as [string, string];
      const at = new Date(Number(ms));
      const after = or(
        lt(workspaces.createdAt, at),
        and(eq(workspaces.createdAt, at), lt(workspaces.id, id)),
      );
      if (after) filters.push(after);
    }
    const rows = await deps.db
      .select()
      .from(workspaces)
      .where(and(...filters))
      .orderBy(desc(workspaces.createdAt), desc(workspaces.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const next = rows.length > limit && last ? `${last.createdAt.getTime()}_${last.id}` : null;
    const asleep = page.filter((w) => w.state === "asleep").map((w) => w.id);
    const stored = await snapshotsByWorkspace(deps.db, asleep);
    const now = deps.now();
    return c.json(
      {
        workspaces: page.map((w) => workspaceSummary(w, deps.settings, now, stored.get(w.id) ?? [])),
        next_cursor: next,
      },
      200,
    );
  })
  .openapi(get, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    // The newest lines, oldest first: after a wake, the restore's progress is what matters.
    const progress = (
      await deps.db
        .select()
        .from(workspaceEvents)
        .where(and(eq(workspaceEvents.workspaceId, ws.id), eq(workspaceEvents.type, "progress")))
        .orderBy(desc(workspaceEvents.id))
        .limit(200)
    ).reverse();
    const changed = await secretsChangedAt(deps.db, ws.ownerId);
    const stored = (await snapshotsByWorkspace(deps.db, [ws.id])).get(ws.id) ?? [];
    return c.json(workspaceDetail(ws, progress, deps.settings, deps.now(), changed, stored), 200);
  })
  .openapi(stop, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await stopWorkspace(
      deps,
      await loadOwned(deps, c.req.valid("param").id, c.get("user").id),
      "stopped by its owner",
    );
    reconcileSoon(c, deps, ws);
    return c.json(await summaryOf(deps, ws), 202);
  })
  .openapi(remove, async (c) => {
    const deps = lifecycleDeps(c.env);
    const owned = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    const ws = await stopWorkspace(deps, owned, "deleted by its owner", { hide: true });
    reconcileSoon(c, deps, ws);
    return c.json(workspaceSummary(ws, deps.settings), 202);
  })
  .openapi(wakeRoute, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await wake(deps, await loadOwned(deps, c.req.valid("param").id, c.get("user").id));
    reconcileSoon(c, deps, ws);
    return c.json(await summaryOf(deps, ws), 202);
  })
  .openapi(events, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    const rows = await deps.db
      .select()
      .from(workspaceEvents)
      .where(eq(workspaceEvents.workspaceId, ws.id))
      .orderBy(asc(workspaceEvents.id))
      .limit(1000);
    return c.json({ events: rows.map(eventView) }, 200);
  })
  .openapi(terminalToken, async (c) => {
    const deps = lifecycleDeps(c.env);
    const user = c.get("user");
    const ws = await loadOwned(deps, c.req.valid("param").id, user.id);
    if (ws.state !== "ready") {
      throw new ApiError(
        409,
        errorCodes.conflict,
        `the workspace is ${ws.state}; its terminal opens once it is ready`,
      );
    }
    const signed = await signTerminalToken(parseSigningJwk(c.env.TERMINAL_SIGNING_KEY), {
      workspaceId: ws.id,
      userId: user.id,
    });
    const url = `${workspaceUrl(ws, deps.settings)}/?${terminalTokenQueryParam}=${encodeURIComponent(signed.token)}`;
    return c.json({ token: signed.token, expires_at: signed.expiresAt.toISOString(), url }, 200);
  });
