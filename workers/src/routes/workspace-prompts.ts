import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { viewOf } from "../tasks/actions.ts";
import { createPrompt } from "../tasks/prompts.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { followUpBody, taskSchema } from "./task-schemas.ts";
import { idParam } from "./workspace-schemas.ts";
import { loadOwned } from "./workspaces.ts";

const prompt = createRoute({
  operationId: "sendWorkspacePrompt",
  method: "post",
  path: "/{id}/prompts",
  tags: ["workspaces", "tasks"],
  security: userSecurity,
  middleware: [requireUser] as const,
  summary: "Ask Claude headless in an interactive workspace, beside the person's terminal",
  description:
    "Runs as one headless turn (claude -p) in a new Claude session, in the working tree as it is: no branch switch, no commit, no push, no pull request; the workspace stays ready. Answers with a Task of kind prompt: follow it at GET /api/tasks/{id} and its events. One prompt at a time per workspace.",
  request: { params: idParam, body: jsonBody(followUpBody) },
  responses: {
    202: jsonResponse(taskSchema, "Accepted; the agent picks it up at its next heartbeat"),
    401: errorResponses[401],
    404: errorResponses[404],
    409: {
      description: "The workspace is not ready, is a task's workspace, or another prompt still runs",
      content: errorResponses[404].content,
    },
    422: errorResponses[422],
  },
});

export const workspacePromptRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook }).openapi(
  prompt,
  async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    const task = await createPrompt(deps, ws, c.req.valid("json").text);
    return c.json(await viewOf(deps, task, ws), 202);
  },
);
