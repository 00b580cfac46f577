import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import type { Workspace } from "../db/schema/index.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { cancelTask, deleteTask, listTasks, postFollowUp, viewOf } from "../tasks/actions.ts";
import { createTask } from "../tasks/create.ts";
import { eventsAfter, loadOwnedTask } from "../tasks/store.ts";
import { taskEventStream } from "../tasks/stream.ts";
import { isFinished } from "../tasks/view.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { type LifecycleDeps, reconcileWorkspace } from "../workspaces/reconcile.ts";
import {
  createTaskBody,
  followUpBody,
  followUpSchema,
  taskEventsPageSchema,
  taskEventsQuery,
  taskIdParam,
  taskListQuery,
  taskSchema,
} from "./task-schemas.ts";

const tags = ["tasks"];
const common = { tags, security: userSecurity, middleware: [requireUser] };
const conflict = (description: string) => ({ description, content: errorResponses[404].content });

function reconcileSoon(c: Context, deps: LifecycleDeps, ws: Workspace) {
  c.executionCtx.waitUntil(reconcileWorkspace(deps, ws).then(() => undefined));
}

const create = createRoute({
  ...common,
  operationId: "createTask",
  method: "post",
  path: "/",
  summary: "Start a task: Claude Code runs headless on a new branch berth/<id> in a workspace of its own",
  description:
    "The same checks as creating a workspace. When the workspace is ready the agent runs the prompt; at the end of a turn it pushes the branch, and a successful turn with commits opens a pull request. Then the workspace sleeps (or is deleted, with when_done=delete).",
  request: { body: jsonBody(createTaskBody) },
  responses: {
    201: jsonResponse(taskSchema, "Created; its workspace boots in the background"),
    401: errorResponses[401],
    409: conflict("limit_reached or budget_exhausted, as for a workspace"),
    422: {
      description:
        "Invalid input, a server_type outside ALLOWED_SERVER_TYPES, or github_app_not_installed (the message carries the install link)",
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
  operationId: "listTasks",
  method: "get",
  path: "/",
  summary: "Your tasks, newest first",
  request: { query: taskListQuery },
  responses: {
    200: jsonResponse(
      z.object({ tasks: z.array(taskSchema), next_cursor: z.string().nullable() }),
      "A page of tasks",
    ),
    401: errorResponses[401],
  },
});

const get = createRoute({
  ...common,
  operationId: "getTask",
  method: "get",
  path: "/{id}",
  summary: "One task: status, follow-ups, pull request, cost",
  request: { params: taskIdParam },
  responses: { 200: jsonResponse(taskSchema, "The task"), 404: errorResponses[404] },
});

const events = createRoute({
  ...common,
  operationId: "listTaskEvents",
  method: "get",
  path: "/{id}/events",
  summary: "The task's timeline after a cursor; with Accept: text/event-stream, live as server-sent events",
  description:
    "SSE: `id:` is the event's seq, `event: task_event` carries a TaskEvent, `event: task` the Task whenever its status or pull request changes. Last-Event-ID (or cursor) says where to go on. The stream ends when the task is finished or after about 25 s: reconnect (EventSource does). A reconnect (Last-Event-ID) to a finished task with nothing newer gets 204, which stops EventSource: open a new one after sending a follow-up.",
  request: { params: taskIdParam, query: taskEventsQuery },
  responses: {
    200: {
      description: "Events with seq > cursor, oldest first",
      content: {
        "application/json": { schema: taskEventsPageSchema },
        "text/event-stream": { schema: z.string() },
      },
    },
    204: { description: "SSE reconnect (Last-Event-ID) to a finished task with nothing newer: stop" },
    404: errorResponses[404],
  },
});

const messages = createRoute({
  ...common,
  operationId: "postTaskMessage",
  method: "post",
  path: "/{id}/messages",
  summary: "Send a follow-up: it runs as the next turn (claude --continue) on the same branch",
  description: "An asleep workspace is woken for it.",
  request: { params: taskIdParam, body: jsonBody(followUpBody) },
  responses: {
    202: jsonResponse(followUpSchema, "Queued"),
    404: errorResponses[404],
    409: conflict("The task was canceled, its workspace is gone, or a limit stops the wake"),
  },
});

const cancel = createRoute({
  ...common,
  operationId: "cancelTask",
  method: "post",
  path: "/{id}/cancel",
  summary: "Cancel: nothing more runs; the workspace sleeps (or is deleted, per when_done)",
  request: { params: taskIdParam },
  responses: {
    202: jsonResponse(taskSchema, "Canceled"),
    404: errorResponses[404],
    409: conflict("Already finished"),
  },
});

const remove = createRoute({
  ...common,
  operationId: "deleteTask",
  method: "delete",
  path: "/{id}",
  summary:
    "Delete the task and its workspace (VM, DNS records and every snapshot); the branch and PR stay on GitHub",
  request: { params: taskIdParam },
  responses: { 202: jsonResponse(taskSchema, "Deleting"), 404: errorResponses[404] },
});

export const taskRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { task, workspace } = await createTask(deps, c.get("user").id, c.req.valid("json"));
    reconcileSoon(c, deps, workspace);
    return c.json(await viewOf(deps, task, workspace), 201);
  })
  .openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listTasks(lifecycleDeps(c.env), c.get("user").id, limit, cursor), 200);
  })
  .openapi(get, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { task, workspace } = await loadOwnedTask(deps.db, c.req.valid("param").id, c.get("user").id);
    return c.json(await viewOf(deps, task, workspace), 200);
  })
  .openapi(events, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { task, workspace } = await loadOwnedTask(deps.db, c.req.valid("param").id, c.get("user").id);
    const query = c.req.valid("query");
    const cursor = Number(query.cursor ?? 0);
    const finished = isFinished((await viewOf(deps, task, workspace)).status);
    if ((c.req.header("accept") ?? "").includes("text/event-stream")) {
      const resumed = c.req.header("last-event-id");
      const from = resumed && /^\d{1,15}$/.test(resumed) ? Number(resumed) : cursor;
      // EventSource reconnects after every end: to a finished task with nothing new, a 204 stops it.
      if (resumed && finished && (await eventsAfter(deps.db, task.id, from, 1)).events.length === 0) {
        return c.body(null, 204) as never;
      }
      const body = taskEventStream(deps, task.id, c.get("user").id, from);
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
      }) as never;
    }
    const page = await eventsAfter(deps.db, task.id, cursor, query.limit);
    return c.json(
      {
        events: page.events,
        next_cursor: page.events.at(-1)?.seq ?? cursor,
        done: finished && !page.more,
      },
      200,
    );
  })
  .openapi(messages, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { task, workspace } = await loadOwnedTask(deps.db, c.req.valid("param").id, c.get("user").id);
    const posted = await postFollowUp(deps, task, workspace, c.req.valid("json").text);
    if (posted.workspace.state !== workspace.state) reconcileSoon(c, deps, posted.workspace);
    return c.json(posted.message, 202);
  })
  .openapi(cancel, async (c) => {
    const deps = lifecycleDeps(c.env);
    const owned = await loadOwnedTask(deps.db, c.req.valid("param").id, c.get("user").id);
    const { task, workspace } = await cancelTask(deps, owned.task, owned.workspace);
    reconcileSoon(c, deps, workspace);
    return c.json(await viewOf(deps, task, workspace), 202);
  })
  .openapi(remove, async (c) => {
    const deps = lifecycleDeps(c.env);
    const owned = await loadOwnedTask(deps.db, c.req.valid("param").id, c.get("user").id);
    const { view, workspace } = await deleteTask(deps, owned.task, owned.workspace);
    reconcileSoon(c, deps, workspace);
    return c.json(view, 202);
  });
