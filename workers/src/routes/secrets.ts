import {
  maxSecretRepositories,
  maxSecretsPerUser,
  maxSecretValueBytes,
  reservedSecretNames,
  reservedSecretPrefixes,
  secretNamePattern,
  secretNameProblem,
} from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { createDatabase } from "../db/client.ts";
import { deleteSecret, listSecrets, putSecret } from "../environment/user-secrets.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { SecretBox } from "../security/secret-box.ts";

const common = { tags: ["secrets"], security: userSecurity, middleware: [requireUser] };

const nameParam = z.object({
  name: z
    .string()
    .superRefine((name, ctx) => {
      const problem = secretNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .openapi({
      param: { name: "name", in: "path" },
      pattern: secretNamePattern.source,
      description: `An environment variable name ([A-Za-z_][A-Za-z0-9_]*); not starting with ${reservedSecretPrefixes.join(" or ")}, and none of ${reservedSecretNames.join(", ")}`,
    }),
});

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

const repository = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9._~:/@-]+$/, "must be a repository URL or owner/name");

const putBody = z
  .object({
    value: z
      .string()
      .refine((v) => utf8Bytes(v) <= maxSecretValueBytes, `must be at most ${maxSecretValueBytes} bytes`)
      .refine((v) => !v.includes("\0"), "must not contain NUL characters"),
    repositories: z
      .array(repository)
      .min(1)
      .max(maxSecretRepositories)
      .nullable()
      .optional()
      .openapi({ description: "Repositories it applies to (URL or owner/name); omitted or null: all" }),
  })
  .strict()
  .openapi("SetSecret");

const secretSchema = z
  .object({
    name: z.string(),
    repositories: z.array(z.string()).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Secret");

const conflict = { description: "Limit reached", content: errorResponses[404].content };

const list = createRoute({
  ...common,
  operationId: "listSecrets",
  method: "get",
  path: "/",
  summary: "Your secrets: names and repositories, never values",
  responses: {
    200: jsonResponse(z.object({ secrets: z.array(secretSchema) }), "Secrets by name"),
    401: errorResponses[401],
  },
});

const put = createRoute({
  ...common,
  operationId: "setSecret",
  method: "put",
  path: "/{name}",
  summary: `Create or replace a secret (an environment variable in your workspaces; at most ${maxSecretsPerUser})`,
  request: { params: nameParam, body: jsonBody(putBody) },
  responses: {
    200: jsonResponse(secretSchema, "Replaced"),
    201: jsonResponse(secretSchema, "Created"),
    401: errorResponses[401],
    409: conflict,
    422: errorResponses[422],
  },
});

const remove = createRoute({
  ...common,
  operationId: "deleteSecret",
  method: "delete",
  path: "/{name}",
  summary: "Delete a secret (running workspaces keep the value they started with)",
  request: { params: nameParam },
  responses: {
    204: { description: "Deleted" },
    401: errorResponses[401],
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

export const secretRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    return c.json({ secrets: await listSecrets(createDatabase(c.env.DB), c.get("user").id) }, 200);
  })
  .openapi(put, async (c) => {
    const { value, repositories } = c.req.valid("json");
    const { secret, created } = await putSecret(
      createDatabase(c.env.DB),
      new SecretBox(c.env.ENCRYPTION_KEY),
      c.get("user").id,
      { name: c.req.valid("param").name, value, repositories: repositories ?? null },
    );
    return created ? c.json(secret, 201) : c.json(secret, 200);
  })
  .openapi(remove, async (c) => {
    await deleteSecret(createDatabase(c.env.DB), c.get("user").id, c.req.valid("param").name);
    return c.body(null, 204);
  });
