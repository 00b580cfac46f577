import { errorCodes } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { type ConfigProblem, checkConfig, configWarnings } from "../config/check.ts";
import type { Env } from "../env.ts";
import { jsonResponse, publicSecurity } from "../http/schemas.ts";

/** The error code of every response refused because the configuration is broken. */
export const misconfigured = errorCodes.misconfigured;

/** One check per env object: the bindings object lives as long as the isolate. */
const cache = new WeakMap<object, ConfigProblem[]>();

export function configProblems(env: Env): ConfigProblem[] {
  const key = env as unknown as object;
  let problems = cache.get(key);
  if (!problems) {
    problems = checkConfig(env);
    cache.set(key, problems);
    if (problems.length > 0) {
      // Once per isolate, in `wrangler tail` and the dashboard logs: names and reasons, never values.
      console.error(
        `berth: configuration has ${problems.length} problem(s): ${problems.map((p) => `${p.setting} ${p.problem}`).join("; ")}`,
      );
    }
  }
  return problems;
}

function summary(problems: ConfigProblem[]): string {
  const names = problems.map((p) => p.setting).join(", ");
  return `Berth is misconfigured (${problems.length} problem(s): ${names}); see GET /api/health`;
}

function unhealthyBody(problems: ConfigProblem[]) {
  return { ok: false as const, problems, error: { code: misconfigured, message: summary(problems) } };
}

/** Paths that answer even when the configuration is broken. */
const alwaysOpen = new Set(["/api/health", "/api/openapi.json"]);

/** Fails every other /api/* request fast, with the list of problems, while the config is broken. */
export const requireHealthyConfig: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const path = c.req.path.replace(/\/+$/, "") || "/";
  if (alwaysOpen.has(path)) return next();
  const problems = configProblems(c.env);
  if (problems.length > 0) return c.json(unhealthyBody(problems), 503);
  return next();
};

const problemSchema = z.object({ setting: z.string(), problem: z.string() });

const getHealth = createRoute({
  operationId: "getHealth",
  method: "get",
  path: "/",
  tags: ["health"],
  security: publicSecurity,
  summary: "Configuration check",
  description:
    "Whether the Worker's settings and secrets are present and well-formed. Needs no authentication and never includes a value.",
  responses: {
    200: jsonResponse(
      z.object({
        ok: z.literal(true),
        checks: z.array(problemSchema),
        warnings: z
          .array(problemSchema)
          .describe("Settings that work but weaken isolation, e.g. WORKSPACE_DOMAIN on the dashboard's site"),
      }),
      "Configured",
    ),
    503: jsonResponse(
      z.object({
        ok: z.literal(false),
        problems: z.array(problemSchema),
        error: z.object({ code: z.string(), message: z.string() }),
      }),
      "Misconfigured: one entry per missing or malformed setting",
    ),
  },
});

export const healthRoutes = new OpenAPIHono<{ Bindings: Env }>().openapi(getHealth, (c) => {
  const problems = configProblems(c.env);
  c.header("cache-control", "no-store");
  if (problems.length > 0) return c.json(unhealthyBody(problems), 503);
  return c.json({ ok: true as const, checks: [] as ConfigProblem[], warnings: configWarnings(c.env) }, 200);
});
