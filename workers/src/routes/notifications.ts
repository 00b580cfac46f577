import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { preferencesOf, setPreferences } from "../push/preferences.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";

const preferencesSchema = z
  .object({
    task_finished: z.boolean().describe("A task succeeded"),
    task_failed: z.boolean().describe("A task failed"),
    claude_waiting: z.boolean().describe("Claude waits for a person's answer (a permission prompt)"),
  })
  .strict()
  .openapi("NotificationPreferences");

const common = {
  tags: ["notifications"],
  security: userSecurity,
  middleware: [requireUser],
  path: "/",
};

const getPreferences = createRoute({
  ...common,
  operationId: "getNotificationPreferences",
  method: "get",
  summary: "Which notifications you get (each kind is on until turned off)",
  responses: { 200: jsonResponse(preferencesSchema, "Your choices"), 401: errorResponses[401] },
});

const putPreferences = createRoute({
  ...common,
  operationId: "setNotificationPreferences",
  method: "put",
  summary: "Turn kinds of notifications on or off",
  request: { body: jsonBody(preferencesSchema) },
  responses: {
    200: jsonResponse(preferencesSchema, "Your choices"),
    401: errorResponses[401],
    422: errorResponses[422],
  },
});

export const notificationRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getPreferences, async (c) => {
    return c.json(await preferencesOf(lifecycleDeps(c.env).db, c.get("user").id), 200);
  })
  .openapi(putPreferences, async (c) => {
    const deps = lifecycleDeps(c.env);
    const userId = c.get("user").id;
    await setPreferences(deps.db, userId, c.req.valid("json"), deps.now());
    return c.json(await preferencesOf(deps.db, userId), 200);
  });
