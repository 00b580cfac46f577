import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonResponse, userSecurity } from "../http/schemas.ts";
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
  })
  .openapi("User");

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

export const meRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook })
  .openapi(getMe, (c) => {
    const user = c.get("user");
    return c.json(
      { id: user.id, name: user.name, email: user.email, image: user.image, authenticated_via: user.via },
      200,
    );
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
