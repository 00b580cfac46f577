import {
  taskEventsRequestSchema,
  taskMessagesResponseSchema,
  taskResultRequestSchema,
} from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { taskStatuses } from "../db/schema/index.ts";
import { errorResponses, jsonBody, jsonResponse, vmCallbackSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { followUpsFor, recordTaskEvents } from "../tasks/agent.ts";
import { recordTurnResult } from "../tasks/turns.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { reconcileWorkspace } from "../workspaces/reconcile.ts";
import { callbackAuth, type VmEnv } from "./vm-callbacks.ts";
import { idParam } from "./workspace-schemas.ts";

/** VM -> control plane for a task workspace (protocol/src/tasks.ts), with the callback token. */
const tags = ["vm callbacks"];
const common = { tags, security: vmCallbackSecurity, middleware: [callbackAuth] };
const notThisTask = {
  description: "The workspace runs no task, or another one",
  content: errorResponses[401].content,
};

const events = createRoute({
  ...common,
  operationId: "vmTaskEvents",
  method: "post",
  path: "/{id}/task/events",
  summary: "A batch of the task's timeline; repeats of a seq already stored are ignored",
  request: { params: idParam, body: jsonBody(taskEventsRequestSchema) },
  responses: {
    200: jsonResponse(z.object({ stored: z.number().int() }), "Stored (new events only)"),
    401: errorResponses[401],
    409: notThisTask,
    422: errorResponses[422],
  },
});

const messages = createRoute({
  ...common,
  operationId: "vmTaskMessages",
  method: "get",
  path: "/{id}/task/messages",
  summary: "Follow-up messages newer than `after`, oldest first",
  request: {
    params: idParam,
    query: z.object({
      after: z
        .string()
        .regex(/^\d{1,15}$/, "must be a seq: a whole number")
        .optional(),
    }),
  },
  responses: {
    200: jsonResponse(taskMessagesResponseSchema, "Follow-ups to run"),
    401: errorResponses[401],
    409: notThisTask,
  },
});

const result = createRoute({
  ...common,
  operationId: "vmTaskResult",
  method: "post",
  path: "/{id}/task/result",
  summary: "The end of one turn: the task's status, its pull request, then the workspace sleeps",
  request: { params: idParam, body: jsonBody(taskResultRequestSchema) },
  responses: {
    200: jsonResponse(z.object({ status: z.enum(taskStatuses) }), "Recorded (a repeat changes nothing)"),
    401: errorResponses[401],
    409: notThisTask,
    422: errorResponses[422],
  },
});

export const vmTaskCallbackRoutes = new OpenAPIHono<VmEnv>({ defaultHook: validationHook })
  .openapi(events, async (c) => {
    const body = c.req.valid("json");
    return c.json(
      await recordTaskEvents(lifecycleDeps(c.env), c.get("workspace"), body.task_id, body.events),
      200,
    );
  })
  .openapi(messages, async (c) => {
    const deps = lifecycleDeps(c.env);
    return c.json(await followUpsFor(deps, c.get("workspace"), Number(c.req.valid("query").after ?? 0)), 200);
  })
  .openapi(result, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { task, workspace } = await recordTurnResult(deps, c.get("workspace"), c.req.valid("json"));
    // The VM goes as soon as it may: the sleep's snapshot, or the delete, starts now.
    c.executionCtx.waitUntil(reconcileWorkspace(deps, workspace).then(() => undefined));
    return c.json({ status: task.status }, 200);
  });
