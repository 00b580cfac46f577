import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { claudeKeyStatus, clearClaudeKey, setClaudeKey } from "../credentials/claude-key.ts";
import { createDatabase } from "../db/client.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { SecretBox } from "../security/secret-box.ts";

const common = { tags: ["credentials"], security: userSecurity, middleware: [requireUser] };

const statusSchema = z
  .object({
    claude: z.object({ set: z.boolean(), last4: z.string().nullable(), updated_at: z.string().nullable() }),
  })
  .openapi("Credentials");

const claudeKeyBody = z
  .object({
    api_key: z
      .string()
      .trim()
      .regex(/^sk-ant-[A-Za-z0-9_-]{16,400}$/, "must be an Anthropic API key (sk-ant-...)"),
  })
  .strict()
  .openapi("SetClaudeKey");

const getStatus = createRoute({
  ...common,
  operationId: "getCredentials",
  method: "get",
  path: "/",
  summary: "Which secrets are set (never their values)",
  responses: { 200: jsonResponse(statusSchema, "Status"), 401: errorResponses[401] },
});

const putClaude = createRoute({
  ...common,
  operationId: "setClaudeKey",
  method: "put",
  path: "/claude",
  summary: "Set your Anthropic API key (encrypted at rest; passed to your workspaces only)",
  request: { body: jsonBody(claudeKeyBody) },
  responses: { 200: jsonResponse(statusSchema, "Saved"), 401: errorResponses[401], 422: errorResponses[422] },
});

const deleteClaude = createRoute({
  ...common,
  operationId: "clearClaudeKey",
  method: "delete",
  path: "/claude",
  summary: "Forget your Anthropic API key",
  responses: { 204: { description: "Removed" }, 401: errorResponses[401] },
});

export const credentialRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getStatus, async (c) => {
    const db = createDatabase(c.env.DB);
    return c.json({ claude: await claudeKeyStatus(db, c.get("user").id) }, 200);
  })
  .openapi(putClaude, async (c) => {
    const db = createDatabase(c.env.DB);
    const userId = c.get("user").id;
    await setClaudeKey(db, new SecretBox(c.env.ENCRYPTION_KEY), userId, c.req.valid("json").api_key);
    return c.json({ claude: await claudeKeyStatus(db, userId) }, 200);
  })
  .openapi(deleteClaude, async (c) => {
    await clearClaudeKey(createDatabase(c.env.DB), c.get("user").id);
    return c.body(null, 204);
  });
