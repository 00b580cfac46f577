import { errorCodes } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { errorResponses, errorSchema, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { deliver } from "../push/notify.ts";
import { removeSubscription, saveSubscription, validateSubscription } from "../push/subscriptions.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";

const pushConfigSchema = z
  .object({
    public_key: z
      .string()
      .describe(
        "The VAPID application server key (uncompressed P-256 point, base64url): pushManager.subscribe's applicationServerKey",
      ),
  })
  .openapi("PushConfig");

const base64url = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_+/=-]+$/, "must be base64url");

/** What PushSubscription.toJSON() gives in a browser. */
const subscriptionBody = z
  .object({
    endpoint: z.string().max(2048).describe("The push service URL for this browser (https)"),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: base64url, auth: base64url }),
  })
  .openapi("PushSubscriptionInput");

const subscriptionSchema = z
  .object({ endpoint: z.string(), created_at: z.string() })
  .openapi("PushSubscription");

const deliverySchema = z
  .object({
    subscriptions: z.number().describe("Browsers you have subscribed"),
    delivered: z.number().describe("Accepted by their push services"),
    removed: z.number().describe("Gone (the push service said 404/410): removed"),
    failed: z.number(),
  })
  .openapi("PushDelivery");

const notConfigured = {
  description: "Web Push is not set up on this Berth (VAPID_PRIVATE_KEY)",
  content: { "application/json": { schema: errorSchema } },
};

const common = { tags: ["notifications"], security: userSecurity, middleware: [requireUser] };

const getConfig = createRoute({
  ...common,
  operationId: "getPushConfig",
  method: "get",
  path: "/config",
  summary: "The key browsers subscribe to Web Push with",
  responses: {
    200: jsonResponse(pushConfigSchema, "The application server key"),
    401: errorResponses[401],
    503: notConfigured,
  },
});

const subscribe = createRoute({
  ...common,
  operationId: "createPushSubscription",
  method: "post",
  path: "/subscriptions",
  summary: "Subscribe this browser to notifications",
  description:
    "The body is the browser's PushSubscription JSON. Subscribing the same endpoint again replaces its keys.",
  request: { body: jsonBody(subscriptionBody) },
  responses: {
    201: jsonResponse(subscriptionSchema, "Subscribed (the keys are stored encrypted, never returned)"),
    401: errorResponses[401],
    409: { description: "Too many subscribed browsers", content: errorResponses[422].content },
    422: errorResponses[422],
  },
});

const unsubscribe = createRoute({
  ...common,
  operationId: "deletePushSubscription",
  method: "delete",
  path: "/subscriptions",
  summary: "Unsubscribe a browser",
  request: { body: jsonBody(z.object({ endpoint: z.string().max(2048) }).openapi("PushUnsubscribe")) },
  responses: {
    204: { description: "Unsubscribed" },
    401: errorResponses[401],
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

const sendTest = createRoute({
  ...common,
  operationId: "sendTestPush",
  method: "post",
  path: "/test",
  summary: "Send a test notification to each of your subscribed browsers",
  responses: {
    202: jsonResponse(deliverySchema, "What the push services answered"),
    401: errorResponses[401],
    503: notConfigured,
  },
});

function pushConfigOf(deps: ReturnType<typeof lifecycleDeps>) {
  if (!deps.push)
    throw new ApiError(
      503,
      errorCodes.misconfigured,
      "Web Push is not set up on this Berth: VAPID_PRIVATE_KEY is not set",
    );
  return deps.push;
}

export const pushRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getConfig, (c) => c.json({ public_key: pushConfigOf(lifecycleDeps(c.env)).vapid.publicKey }, 200))
  .openapi(subscribe, async (c) => {
    const deps = lifecycleDeps(c.env);
    const input = c.req.valid("json");
    await validateSubscription(input, deps.push?.httpOriginAllowed ?? null);
    const saved = await saveSubscription(deps.db, deps.box, c.get("user").id, input, deps.now());
    return c.json({ endpoint: saved.endpoint, created_at: saved.createdAt.toISOString() }, 201);
  })
  .openapi(unsubscribe, async (c) => {
    const deps = lifecycleDeps(c.env);
    if (!(await removeSubscription(deps.db, c.get("user").id, c.req.valid("json").endpoint)))
      throw notFound("push subscription");
    return c.body(null, 204);
  })
  .openapi(sendTest, async (c) => {
    const deps = lifecycleDeps(c.env);
    pushConfigOf(deps);
    const report = await deliver(deps, c.get("user").id, {
      kind: "test",
      title: "Berth",
      body: "Notifications work on this device.",
      url: "/#/settings",
      tag: "berth-test",
    });
    return c.json(report, 202);
  });
