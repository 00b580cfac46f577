import { errorCodes } from "@berth/protocol";
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.ts";
import { ApiError } from "../http/errors.ts";

/** The period of every limiter in wrangler.toml ([[ratelimits]] simple.period). */
export const rateLimitPeriodSeconds = 60;

/**
 * One count against a Workers Rate Limiting binding; 429 rate_limited with Retry-After once over.
 * A missing binding (a deployment without [[ratelimits]]) limits nothing.
 */
export async function takeRateLimit(
  binding: RateLimit | undefined,
  key: string,
  what: string,
): Promise<void> {
  if (!binding) return;
  const { success } = await binding.limit({ key });
  if (success) return;
  throw new ApiError(429, errorCodes.rateLimited, `too many requests ${what}; try again in a minute`, {
    headers: { "Retry-After": String(rateLimitPeriodSeconds) },
  });
}

/**
 * Per client IP on /api/*. Cloudflare sets CF-Connecting-IP on every request it forwards (a client
 * cannot choose it); a request without one did not come through Cloudflare's edge (local tests).
 */
export const limitPerClientIp: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const ip = c.req.header("cf-connecting-ip");
  if (ip) await takeRateLimit(c.env.RATE_LIMIT_IP, `ip:${ip}`, "from this address");
  return next();
};

/** The VM callback that mints a GitHub token: limited on its own (RATE_LIMIT_GIT). */
const gitCredentialsPath = /^\/api\/vm\/workspaces\/[^/]+\/git-credentials$/;

/**
 * Per workspace on the VM callbacks, before any token is checked (a flood costs no D1 query). The
 * git credentials have their own limit: heartbeats and snapshot parts must not starve a push, nor
 * a credential helper in a loop the heartbeats.
 */
export const limitPerWorkspace: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const id = c.req.param("id") ?? "";
  if (gitCredentialsPath.test(c.req.path))
    await takeRateLimit(c.env.RATE_LIMIT_GIT, `git:${id}`, "for this workspace's git credentials");
  else await takeRateLimit(c.env.RATE_LIMIT_VM, `ws:${id}`, "for this workspace");
  return next();
};
