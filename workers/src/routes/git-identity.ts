import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import type { Database } from "../db/client.ts";
import { setCommitEmail } from "../github/commit-email.ts";
import { gitIdentity } from "../github/identity.ts";
import { userTokenSource } from "../github/user-token.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";

/** Its own route, not part of GET /api/me: that one is hot, and this needs three more queries. */
export const gitIdentitySchema = z
  .object({
    name: z.string(),
    email: z.string().describe("What commits in your workspaces are authored with"),
    noreply_email: z.string().nullable().describe("Your GitHub noreply address: the default"),
    chosen_email: z.string().nullable().describe("A verified email you chose instead, or null"),
  })
  .openapi("GitIdentity");

const setBody = z
  .object({
    email: z
      .email()
      .max(254)
      .nullable()
      .describe("One of your verified GitHub emails, or null for your noreply address"),
  })
  .strict()
  .openapi("SetGitIdentity");

const common = { tags: ["account"], security: userSecurity, middleware: [requireUser], path: "/" };

const getIdentity = createRoute({
  ...common,
  operationId: "getGitIdentity",
  method: "get",
  summary: "Who commits in your workspaces: your name and email",
  responses: { 200: jsonResponse(gitIdentitySchema, "The commit identity"), 401: errorResponses[401] },
});

const setIdentity = createRoute({
  ...common,
  operationId: "setGitIdentity",
  method: "put",
  summary: "Choose the email your workspace commits are authored with",
  description: "Applies to workspaces started afterwards (the bootstrap hands the identity to the VM).",
  request: { body: jsonBody(setBody) },
  responses: {
    200: jsonResponse(gitIdentitySchema, "The new commit identity"),
    401: errorResponses[401],
    403: {
      description: "Berth holds no valid GitHub authorization for you: sign in again",
      content: errorResponses[401].content,
    },
    422: errorResponses[422],
  },
});

async function view(db: Database, userId: string, fallbackName: string, fallbackEmail: string) {
  const identity = await gitIdentity(db, userId);
  return {
    name: identity?.name ?? fallbackName,
    email: identity?.email ?? fallbackEmail,
    noreply_email: identity?.noreplyEmail ?? null,
    chosen_email: identity?.chosenEmail ?? null,
  };
}

export const gitIdentityRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getIdentity, async (c) => {
    const user = c.get("user");
    return c.json(await view(lifecycleDeps(c.env).db, user.id, user.name, user.email), 200);
  })
  .openapi(setIdentity, async (c) => {
    const deps = lifecycleDeps(c.env);
    const user = c.get("user");
    await setCommitEmail(deps, user.id, c.req.valid("json").email, () =>
      userTokenSource(c.env, deps.db)(user.id),
    );
    return c.json(await view(deps.db, user.id, user.name, user.email), 200);
  });
