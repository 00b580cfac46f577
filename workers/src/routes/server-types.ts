import { defaultLocation, defaultServerType } from "@berth/protocol";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import type { ServerTypePrice } from "../providers/types.ts";
import { lifecycleDeps } from "../workspaces/deps.ts";

const serverTypeSchema = z
  .object({
    name: z.string(),
    architecture: z.enum(["x86", "arm"]),
    cores: z.number(),
    memory_gb: z.number(),
    prices: z.array(z.object({ location: z.string(), hourly_eur: z.number() })),
  })
  .openapi("ServerType");

const listServerTypes = createRoute({
  operationId: "listServerTypes",
  method: "get",
  path: "/",
  tags: ["workspaces"],
  summary: "The server types and locations a workspace can use, with Hetzner's hourly prices",
  security: userSecurity,
  middleware: [requireUser],
  responses: {
    200: jsonResponse(
      z.object({
        server_types: z.array(serverTypeSchema),
        default_server_type: z.string(),
        default_location: z.string(),
      }),
      "Types on sale that this Berth allows (ALLOWED_SERVER_TYPES), cheapest first",
    ),
    401: errorResponses[401],
  },
});

export const serverTypeRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook }).openapi(
  listServerTypes,
  async (c) => {
    // Cached per isolate (see lifecycleDeps): the list and every create share one catalog fetch.
    const deps = lifecycleDeps(c.env);
    const prices: ServerTypePrice[] = await deps.servers.listServerTypePrices();
    const allowed = new Set(deps.settings.allowedServerTypes);
    const byType = new Map<string, z.infer<typeof serverTypeSchema>>();
    for (const p of prices) {
      if (p.deprecated || !allowed.has(p.serverType)) continue;
      const entry = byType.get(p.serverType) ?? {
        name: p.serverType,
        architecture: p.architecture,
        cores: p.cores,
        memory_gb: p.memoryGb,
        prices: [],
      };
      entry.prices.push({ location: p.location, hourly_eur: p.hourlyGross });
      byType.set(p.serverType, entry);
    }
    const cheapest = (t: z.infer<typeof serverTypeSchema>) => Math.min(...t.prices.map((p) => p.hourly_eur));
    const server_types = [...byType.values()].sort((a, b) => cheapest(a) - cheapest(b));
    return c.json(
      { server_types, default_server_type: defaultServerType, default_location: defaultLocation },
      200,
    );
  },
);
