import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { restartEnvironment, restartState } from "../environment/restart.ts";
import { errorResponses, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { environmentSchema, idParam } from "./workspace-schemas.ts";
import { loadOwned } from "./workspaces.ts";

const restart = createRoute({
  tags: ["workspaces"],
  security: userSecurity,
  middleware: [requireUser],
  operationId: "restartWorkspaceEnvironment",
  method: "post",
  path: "/{id}/environment/restart",
  summary:
    "Give a running workspace your current secrets: new terminals get them (open terminals keep theirs)",
  request: { params: idParam },
  responses: {
    202: jsonResponse(environmentSchema, "Asked; the agent fetches the secrets at its next heartbeat"),
    404: errorResponses[404],
    409: { description: "The workspace is not ready", content: errorResponses[404].content },
  },
});

export const workspaceEnvironmentRoutes = new OpenAPIHono<AuthedEnv>({
  defaultHook: validationHook,
}).openapi(restart, async (c) => {
  const deps = lifecycleDeps(c.env);
  const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
  const row = await restartEnvironment(deps, ws);
  return c.json(
    {
      secrets_generation: row.secretsGeneration,
      applied_generation: row.secretsAppliedGeneration,
      restart: restartState(row),
    },
    202,
  );
});
