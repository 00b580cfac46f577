import { portVisibilities } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { listPorts, setPortVisibility } from "../workspaces/ports.ts";
import { idParam } from "./workspace-schemas.ts";
import { loadOwned } from "./workspaces.ts";

const common = { tags: ["workspaces"], security: userSecurity, middleware: [requireUser] };

const portSchema = z
  .object({
    port: z.number().int(),
    process: z.string().nullable(),
    first_seen_at: z.string().nullable(),
    visibility: z.enum(portVisibilities),
    url: z.string(),
  })
  .openapi("WorkspacePort");

const portParams = idParam.extend({
  port: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .openapi({ param: { name: "port", in: "path" }, description: "A TCP port, 1-65535" }),
});

const visibilityBody = z
  .object({ visibility: z.enum(portVisibilities) })
  .strict()
  .openapi("SetPortVisibility");

const list = createRoute({
  ...common,
  operationId: "listWorkspacePorts",
  method: "get",
  path: "/{id}/ports",
  summary: "TCP ports listening in the workspace, with their URLs and visibility",
  request: { params: idParam },
  responses: {
    200: jsonResponse(z.object({ ports: z.array(portSchema) }), "Listening ports, by number"),
    404: errorResponses[404],
  },
});

const put = createRoute({
  ...common,
  operationId: "setWorkspacePortVisibility",
  method: "put",
  path: "/{id}/ports/{port}",
  summary: "Make a forwarded port public (anyone with its URL) or private (you only)",
  request: { params: portParams, body: jsonBody(visibilityBody) },
  responses: {
    200: jsonResponse(portSchema, "The port"),
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

export const workspacePortRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    return c.json({ ports: await listPorts(deps.db, ws, deps.settings) }, 200);
  })
  .openapi(put, async (c) => {
    const deps = lifecycleDeps(c.env);
    const { id, port } = c.req.valid("param");
    const ws = await loadOwned(deps, id, c.get("user").id);
    const { visibility } = c.req.valid("json");
    return c.json(await setPortVisibility(deps.db, ws, port, visibility, deps.settings, deps.now()), 200);
  });
