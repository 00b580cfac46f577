import { errorCodes } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { getAuth } from "../auth/auth.ts";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { createDatabase } from "../db/client.ts";
import { apikey } from "../db/schema/index.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { settingsFrom } from "../settings.ts";

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    /** The first characters of the key, so a person can tell keys apart. */
    start: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    expires_in_days: z.number().int().min(1).max(365).optional(),
  })
  .strict()
  .openapi("CreateApiKey");

const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe("The secret key. Shown once; store it now.") })
  .openapi("CreatedApiKey");

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

const listKeysQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ description: "Keys per page (1-100, default 50)" }),
  cursor: z
    .string()
    .regex(/^\d{1,15}_[A-Za-z0-9_-]{1,128}$/)
    .optional()
    .openapi({ description: "`next_cursor` of the previous page" }),
});

const createKey = createRoute({
  operationId: "createApiKey",
  method: "post",
  path: "/",
  tags: ["api keys"],
  summary: "Create an API key (the secret is returned once)",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonBody(createApiKeyBody) },
  responses: {
    201: jsonResponse(createdApiKeySchema, "The new key"),
    401: errorResponses[401],
    409: {
      description: "limit_reached: you already hold MAX_API_KEYS_PER_USER keys (25 by default); revoke one",
      content: errorResponses[401].content,
    },
    422: errorResponses[422],
  },
});

const listKeys = createRoute({
  operationId: "listApiKeys",
  method: "get",
  path: "/",
  tags: ["api keys"],
  summary: "List your API keys, newest first, paginated (never the secrets)",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { query: listKeysQuery },
  responses: {
    200: jsonResponse(
      z.object({ api_keys: z.array(apiKeySchema), next_cursor: z.string().nullable() }),
      "A page of your keys; pass next_cursor as cursor for the next one",
    ),
    401: errorResponses[401],
    422: errorResponses[422],
  },
});

const revokeKey = createRoute({
  operationId: "revokeApiKey",
  method: "delete",
  path: "/{id}",
  tags: ["api keys"],
  summary: "Revoke an API key",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: z.object({ id: z.string().min(1).max(128) }) },
  responses: { 204: { description: "Revoked" }, 401: errorResponses[401], 404: errorResponses[404] },
});

export const apiKeyRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(createKey, async (c) => {
    const { name, expires_in_days } = c.req.valid("json");
    const max = settingsFrom(c.env).maxApiKeysPerUser;
    const [held] = await createDatabase(c.env.DB)
      .select({ n: sql<number>`count(*)` })
      .from(apikey)
      .where(eq(apikey.referenceId, c.get("user").id));
    if ((held?.n ?? 0) >= max) {
      throw new ApiError(409, errorCodes.limitReached, `you already have ${max} API keys; revoke one first`);
    }
    const created = await getAuth(c.env).api.createApiKey({
      body: {
        name,
        userId: c.get("user").id,
        expiresIn: expires_in_days ? expires_in_days * 86_400 : null,
      },
    });
    return c.json(
      {
        id: created.id,
        name: created.name ?? null,
        start: created.start ?? null,
        created_at: new Date(created.createdAt).toISOString(),
        expires_at: created.expiresAt ? new Date(created.expiresAt).toISOString() : null,
        last_used_at: null,
        key: created.key,
      },
      201,
    );
  })
  .openapi(listKeys, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const filters = [eq(apikey.referenceId, c.get("user").id)];
    if (cursor) {
      const split = cursor.indexOf("_");
      const at = new Date(Number(cursor.slice(0, split)));
      const id = cursor.slice(split + 1);
      const after = or(lt(apikey.createdAt, at), and(eq(apikey.createdAt, at), lt(apikey.id, id)));
      if (after) filters.push(after);
    }
    const rows = await createDatabase(c.env.DB)
      .select()
      .from(apikey)
      .where(and(...filters))
      .orderBy(desc(apikey.createdAt), desc(apikey.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const next_cursor = rows.length > limit && last ? `${last.createdAt.getTime()}_${last.id}` : null;
    const api_keys = page.map((row) => ({
      id: row.id,
      name: row.name,
      start: row.start,
      created_at: row.createdAt.toISOString(),
      expires_at: iso(row.expiresAt),
      last_used_at: iso(row.lastRequest),
    }));
    return c.json({ api_keys, next_cursor }, 200);
  })
  .openapi(revokeKey, async (c) => {
    const deleted = await createDatabase(c.env.DB)
      .delete(apikey)
      .where(and(eq(apikey.id, c.req.valid("param").id), eq(apikey.referenceId, c.get("user").id)))
      .returning({ id: apikey.id });
    if (deleted.length === 0) throw notFound("API key");
    return c.body(null, 204);
  });
