import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { listRepositories } from "../github/repositories.ts";
import { userTokenSource } from "../github/user-token.ts";
import { errorResponses, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";

export const repositorySchema = z
  .object({
    full_name: z.string().openapi({ example: "octocat/hello-world" }),
    owner: z.string(),
    name: z.string(),
    private: z.boolean(),
    default_branch: z.string(),
    repo_url: z.string().describe("Create a workspace with this repo_url"),
    installation_id: z.number().int(),
  })
  .openapi("Repository");

const query = z.object({
  q: z.string().max(100).optional().describe("Only repositories whose owner/name contains this (any case)"),
  cursor: z.string().max(200).optional().describe("next_cursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

const list = createRoute({
  operationId: "listRepositories",
  method: "get",
  path: "/",
  tags: ["repositories"],
  summary: "Repositories you can reach through the GitHub App's installations",
  description:
    "As GitHub answers for your own GitHub authorization: the installations of Berth's App you can see, and their repositories. Install the App on more repositories to see them here.",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { query },
  responses: {
    200: jsonResponse(
      z.object({ repositories: z.array(repositorySchema), next_cursor: z.string().nullable() }),
      "A page of repositories",
    ),
    401: errorResponses[401],
    403: {
      description: "Berth holds no valid GitHub authorization for you: sign in again",
      content: errorResponses[401].content,
    },
    422: errorResponses[422],
    502: { description: "GitHub failed", content: errorResponses[401].content },
  },
});

export const repositoryRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook }).openapi(
  list,
  async (c) => {
    const deps = lifecycleDeps(c.env);
    const { q, cursor, limit } = c.req.valid("query");
    const token = await userTokenSource(c.env, deps.db)(c.get("user").id);
    c.header("cache-control", "private, no-store");
    return c.json(await listRepositories(deps.github, token, { q, cursor, limit }), 200);
  },
);
