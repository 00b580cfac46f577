import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, type CurrentUser, requireUser } from "../auth/current-user.ts";
import { setCommitEmail } from "../github/commit-email.ts";
import { gitIdentity } from "../github/identity.ts";
import { userTokenSource } from "../github/user-token.ts";
import { errorResponses, jsonBody, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";
import { monthlyUsage } from "../workspaces/usage.ts";

export const userSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    image: z.string().nullable(),
    authenticated_via: z.enum(["session", "api_key"]),
    git_identity: z
      .object({
        name: z.string(),
        email: z.string().describe("What commits in your workspaces are authored with"),
        noreply_email: z.string().nullable().describe("Your GitHub noreply address: the default"),
        chosen_email: z.string().nullable().describe("A verified email you chose instead, or null"),
      })
      .nullable()
      .openapi("GitIdentity"),
  })
  .openapi("User");

const gitEmailBody = z
  .object({
    email: z
      .email()
      .max(254)
      .nullable()
      .describe("One of your verified GitHub emails, or null for your noreply address"),
  })
  .strict()
  .openapi("SetGitEmail");

const setGitEmail = createRoute({
  operationId: "setGitEmail",
  method: "put",
  path: "/git-email",
  tags: ["account"],
  summary: "Choose the email your workspace commits are authored with",
  description: "Applies to workspaces started afterwards (the bootstrap hands the identity to the VM).",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonBody(gitEmailBody) },
  responses: {
    200: jsonResponse(userSchema, "The user, with the new identity"),
    401: errorResponses[401],
    403: {
      description: "Berth holds no valid GitHub authorization for you",
      content: errorResponses[401].content,
    },
    422: errorResponses[422],
  },
});

const getMe = createRoute({
  operationId: "getMe",
  method: "get",
  path: "/",
  tags: ["account"],
  summary: "The signed-in user",
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(userSchema, "The user"), 401: errorResponses[401] },
});

export const usageSchema = z
  .object({
    month: z.string().describe("The calendar month (UTC), e.g. 2026-11"),
    spent_eur: z.number().describe("What this month's workspaces cost so far (billed hours × hourly price)"),
    budget_eur: z.number().nullable().describe("MONTHLY_BUDGET_EUR, or null when there is none"),
    remaining_eur: z.number().nullable(),
    max_live_workspaces: z.number().describe("Your limit of live workspaces"),
    allowed_server_types: z.array(z.string()),
  })
  .openapi("Usage");

const getUsage = createRoute({
  operationId: "getUsage",
  method: "get",
  path: "/usage",
  tags: ["account"],
  summary: "Your spend this month against your budget, and your limits",
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(usageSchema, "Spend and limits"), 401: errorResponses[401] },
});

async function meBody(db: Parameters<typeof gitIdentity>[0], user: CurrentUser) {
  const identity = await gitIdentity(db, user.id);
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    image: user.image,
    authenticated_via: user.via,
    git_identity: identity
      ? {
          name: identity.name,
          email: identity.email,
          noreply_email: identity.noreplyEmail,
          chosen_email: identity.chosenEmail,
        }
      : null,
  };
}

export const meRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getMe, async (c) => c.json(await meBody(lifecycleDeps(c.env).db, c.get("user")), 200))
  .openapi(setGitEmail, async (c) => {
    const deps = lifecycleDeps(c.env);
    const user = c.get("user");
    await setCommitEmail(deps, user.id, c.req.valid("json").email, () =>
      userTokenSource(c.env, deps.db)(user.id),
    );
    return c.json(await meBody(deps.db, user), 200);
  })
  .openapi(getUsage, async (c) => {
    const deps = lifecycleDeps(c.env);
    const usage = await monthlyUsage(deps, c.get("user").id);
    const remaining =
      usage.budgetEur === null
        ? null
        : Math.max(0, Math.round((usage.budgetEur - usage.spentEur) * 10_000) / 10_000);
    return c.json(
      {
        month: usage.month,
        spent_eur: usage.spentEur,
        budget_eur: usage.budgetEur,
        remaining_eur: remaining,
        max_live_workspaces: deps.settings.maxLiveWorkspacesPerUser,
        allowed_server_types: deps.settings.allowedServerTypes,
      },
      200,
    );
  });
