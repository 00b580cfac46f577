import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { openPullRequest } from "../github/pull-request.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { idParam } from "./workspace-schemas.ts";
import { loadOwned } from "./workspaces.ts";

export const pullRequestBody = z
  .object({
    title: z.string().trim().min(1).max(256),
    body: z.string().max(65_536).optional(),
  })
  .strict()
  .openapi("CreatePullRequest");

const error = (description: string) => ({ description, content: errorResponses[404].content });

const pullRequest = createRoute({
  operationId: "createPullRequest",
  method: "post",
  path: "/{id}/pull-request",
  tags: ["workspaces"],
  security: userSecurity,
  middleware: [requireUser] as const,
  summary: "Open a pull request from the workspace's current branch to the default branch",
  description:
    "Uses the branch the agent last reported. The branch must be pushed: GitHub opens the PR from what it has.",
  request: { params: idParam, body: jsonBody(pullRequestBody) },
  responses: {
    201: jsonResponse(z.object({ url: z.string(), number: z.number().int() }), "Opened"),
    401: errorResponses[401],
    403: error("github_installation_revoked: the App lost access to the repository"),
    404: errorResponses[404],
    409: error(
      "The branch is not on GitHub yet (push first), a PR from it is already open, no branch is known, or the repository is not reached through the GitHub App",
    ),
    422: error(
      "Invalid input; nothing to compare (no commits the default branch lacks); on the default branch",
    ),
  },
});

export const workspaceGithubRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook }).openapi(
  pullRequest,
  async (c) => {
    const deps = lifecycleDeps(c.env);
    const ws = await loadOwned(deps, c.req.valid("param").id, c.get("user").id);
    return c.json(await openPullRequest(deps, ws, c.req.valid("json")), 201);
  },
);
