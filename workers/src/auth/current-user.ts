import { errorCodes } from "@berth/protocol";
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import { ApiError } from "../http/errors.ts";
import { takeRateLimit } from "../security/rate-limit.ts";
import { accessPolicy, isInvited } from "./access.ts";
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

interface UserRow {
  id: string;
  name: string;
  email: string;
  image?: string | null | undefined;
  githubLogin?: string | null | undefined;
  githubOrgs?: string | null | undefined;
}

/** The allow-lists are read on every request: someone taken off them is refused at once. */
function assertInvited(env: Env, u: UserRow) {
  if (!isInvited(accessPolicy(env), u.githubLogin, u.githubOrgs)) {
    throw new ApiError(
      403,
      errorCodes.notInvited,
      "this GitHub account is not invited to this Berth (ALLOWED_GITHUB_LOGINS / ALLOWED_GITHUB_ORGS)",
    );
  }
}

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
    const owner = (await ctx.internalAdapter.findUserById(result.key.referenceId)) as UserRow | null;
    if (!owner) throw unauthorized("invalid or revoked API key");
    assertInvited(c.env, owner);
    await takeRateLimit(c.env.RATE_LIMIT_USER, `user:${owner.id}`, "for this user");
    c.set("user", toCurrentUser(owner, "api_key"));
    return next();
  }
  const session = await auth.api.getSession({ headers: c.req.raw.headers });
  if (!session) throw unauthorized("sign in, or send 'Authorization: Bearer <api key>'");
  assertInvited(c.env, session.user as UserRow);
  await takeRateLimit(c.env.RATE_LIMIT_USER, `user:${session.user.id}`, "for this user");
  c.set("user", toCurrentUser(session.user, "session"));
  return next();
});

function toCurrentUser(u: UserRow, via: CurrentUser["via"]): CurrentUser {
  return { id: u.id, name: u.name, email: u.email, image: u.image ?? null, via };
}
