import { z } from "@hono/zod-openapi";

/** The error shape, for OpenAPI documents. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Malformed request", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Not authenticated", content: { "application/json": { schema: errorSchema } } },
  404: { description: "Not found", content: { "application/json": { schema: errorSchema } } },
  422: { description: "Invalid input", content: { "application/json": { schema: errorSchema } } },
} as const;

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** Routes for people and scripts: a session cookie or a bearer API key. */
export const userSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { session: [] }];

/** VM -> control plane routes: the per-workspace callback token the agent got at bootstrap. */
export const vmCallbackSecurity: Array<Record<string, string[]>> = [{ vmCallback: [] }];

/** The one VM route that takes the one-time bootstrap token from cloud-init instead. */
export const vmBootstrapSecurity: Array<Record<string, string[]>> = [{ vmBootstrap: [] }];

/** Operations anyone may call (an empty list overrides any document-wide default). */
export const publicSecurity: Array<Record<string, string[]>> = [];
