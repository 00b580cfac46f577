import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "../env.ts";
import { errorResponses, jsonBody, jsonResponse, publicSecurity } from "./schemas.ts";

export const openApiPath = "/api/openapi.json";

/** How each kind of caller proves who it is; operations name these in their `security`. */
function registerSecuritySchemes(app: OpenAPIHono<{ Bindings: Env }>) {
  const schemes = app.openAPIRegistry;
  schemes.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`berth_...`) created with POST /api/keys; for scripts.",
  });
  schemes.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "better-auth.session_token",
    description: "The dashboard's session cookie, set by the GitHub sign-in.",
  });
  schemes.registerComponent("securitySchemes", "vmCallback", {
    type: "http",
    scheme: "bearer",
    description: "A workspace's callback token (`cb_...`), returned once by its bootstrap; VMs only.",
  });
  schemes.registerComponent("securitySchemes", "vmBootstrap", {
    type: "http",
    scheme: "bearer",
    description: "The one-time bootstrap token (`bt_...`) in the VM's user_data; good for one redemption.",
  });
}

/**
 * better-auth serves its own endpoints under /api/auth. Only the two the dashboard calls are
 * documented (the OAuth callback is a browser redirect, not an API call); the rest stay undocumented
 * on purpose, since the dashboard and scripts never use them.
 */
function registerAuthPassthrough(app: OpenAPIHono<{ Bindings: Env }>) {
  const body = z
    .object({
      provider: z.enum(["github"]),
      callbackURL: z.string().optional().describe("Where the browser lands after signing in"),
    })
    .openapi("SignInBody");
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/api/auth/sign-in/social",
    operationId: "signIn",
    tags: ["account"],
    summary: "Start the GitHub sign-in: returns the URL to send the browser to",
    security: publicSecurity,
    request: { body: jsonBody(body) },
    responses: {
      200: jsonResponse(z.object({ url: z.string(), redirect: z.boolean() }), "GitHub's authorize URL"),
      400: errorResponses[400],
    },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/api/auth/sign-out",
    operationId: "signOut",
    tags: ["account"],
    summary: "End the session (a no-op without one)",
    // The session cookie when there is one; signing out without one succeeds too.
    security: [{ session: [] }, {}],
    request: {
      body: {
        required: false,
        content: { "application/json": { schema: z.object({}).openapi("SignOutBody") } },
      },
    },
    responses: {
      200: jsonResponse(z.object({ success: z.boolean() }), "Signed out; the cookie is cleared"),
      400: errorResponses[400],
    },
  });
}

/** Serves the OpenAPI document, with this deployment's public URL as its server. */
export function registerOpenApiDocument(app: OpenAPIHono<{ Bindings: Env }>) {
  registerSecuritySchemes(app);
  registerAuthPassthrough(app);
  app.doc31(openApiPath, (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Berth API",
      version: "0.1.0",
      description: "Self-terminating cloud workspaces.",
    },
    servers: [{ url: c.env.BERTH_PUBLIC_URL, description: "This deployment" }],
  }));
}
