import { Hono } from "hono";
import { getAuth } from "../auth/auth.ts";
import type { Env } from "../env.ts";
import { errorBody, errorCodeForStatus } from "../http/errors.ts";

/**
 * better-auth's own endpoints (sign-in, OAuth callback, sign-out, session). Its error bodies are
 * reshaped into Berth's single error shape so clients handle one format.
 */
export const authRoutes = new Hono<{ Bindings: Env }>().all("/*", async (c) => {
  const response = await getAuth(c.env).handler(c.req.raw);
  if (response.status < 400 || !response.headers.get("content-type")?.includes("application/json")) {
    return response;
  }
  const original = (await response.json().catch(() => ({}))) as { message?: string; code?: string };
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  const code = original.code ? original.code.toLowerCase() : errorCodeForStatus(response.status);
  return new Response(JSON.stringify(errorBody(code, original.message ?? response.statusText)), {
    status: response.status,
    headers,
  });
});
