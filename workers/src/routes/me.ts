import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type AuthedEnv, requireUser } from "../auth/current-user.ts";
import { errorResponses, jsonResponse, userSecurity } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";

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

export const meRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook }).openapi(getMe, (c) => {
  const user = c.get("user");
  return c.json(
    { id: user.id, name: user.name, email: user.email, image: user.image, authenticated_via: user.via },
    200,
  );
});
