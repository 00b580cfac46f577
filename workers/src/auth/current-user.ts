import { errorCodes } from "@berth/protocol";
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import { ApiError } from "../http/errors.ts";
import { getAuth } from "./auth.ts";

export interface CurrentUser {
  id: string;
  name: string;
  email: string;
  image: string | null;
  /** How this request proved who it is. */
  via: "session" | "api_key";
}

export type AuthedEnv = { Bindings: Env; Variables: { user: CurrentUser } };

const unauthorized = (message: string) => new ApiError(401, errorCodes.unauthorized, message);

/**
 * Accepts either a better-auth session cookie (people) or `Authorization: Bearer <api key>` (scripts).
 * A bearer header that is present but wrong is refused outright, never silently ignored.
 */
export const requireUser = createMiddleware<AuthedEnv>(async (c, next) => {
  const auth = getAuth(c.env);
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized("Authorization header must be 'Bearer <api key>'");
    const result = await auth.api.verifyApiKey({ body: { key: match[1] } });
    if (!result.valid || !result.key) throw unauthorized("invalid or revoked API key");
    const ctx = await auth.$context;
    const owner = await ctx.internalAdapter.findUserById(result.key.referenceId);
    if (!owner) throw unauthorized("invalid or revoked API key");
    c.set("user", toCurrentUser(owner, "api_key"));
    return next();
  }
  const session = await auth.api.getSession({ headers: c.req.raw.headers });
  if (!session) throw unauthorized("sign in, or send 'Authorization: Bearer <api key>'");
  c.set("user", toCurrentUser(session.user, "session"));
  return next();
});

function toCurrentUser(
  u: { id: string; name: string; email: string; image?: string | null | undefined },
  via: CurrentUser["via"],
): CurrentUser {
  return { id: u.id, name: u.name, email: u.email, image: u.image ?? null, via };
}
