import { errorCodes } from "@berth/protocol";
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.ts";
import { errorBody } from "../http/errors.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** better-auth's session cookie, with or without the __Secure- prefix it uses over https. */
const sessionCookie = /(?:^|;\s*)(?:__Secure-)?better-auth\.session_token=/;

/** The dashboard's origin and any extra trusted ones (BERTH_TRUSTED_ORIGINS). */
export function dashboardOrigins(env: Env): Set<string> {
  const origins = [env.BERTH_PUBLIC_URL, ...(env.BERTH_TRUSTED_ORIGINS ?? "").split(",")];
  const parsed = new Set<string>();
  for (const o of origins) {
    try {
      if (o.trim()) parsed.add(new URL(o.trim()).origin);
    } catch {}
  }
  return parsed;
}

/**
 * A state-changing request that a cookie authenticates must come from the dashboard: another site
 * can make a browser send Berth's cookie, but not forge the Origin header. Without an Origin, only a
 * browser's own `Sec-Fetch-Site: same-origin` passes. Bearer API keys are not sent by browsers on
 * their own, so requests carrying one are not affected.
 */
export const requireSameOriginForCookies: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (safeMethods.has(c.req.method)) return next();
  if (/^Bearer\s/i.test(c.req.header("authorization") ?? "")) return next();
  if (!sessionCookie.test(c.req.header("cookie") ?? "")) return next();
  const origin = c.req.header("origin");
  const allowed = origin
    ? dashboardOrigins(c.env).has(origin)
    : c.req.header("sec-fetch-site") === "same-origin";
  if (allowed) return next();
  return c.json(
    errorBody(
      errorCodes.forbidden,
      origin
        ? `requests signed in with a cookie must come from the dashboard (${c.env.BERTH_PUBLIC_URL}), not ${origin.slice(0, 200)}`
        : "requests signed in with a cookie must come from the dashboard: the Origin header is missing",
    ),
    403,
  );
};
