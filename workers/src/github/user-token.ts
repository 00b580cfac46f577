/**
 * The person's own GitHub user token (from signing in through the App's user authorization), held
 * by better-auth: encrypted at rest (encryptOAuthTokens) and refreshed by it when GitHub's 8-hour
 * expiry has passed. Used only server-side, for calls GitHub answers per person (which
 * installations and repositories they can reach, their verified emails); never returned.
 */
import { errorCodes } from "@berth/protocol";
import { and, eq } from "drizzle-orm";
import { getAuth } from "../auth/auth.ts";
import type { Database } from "../db/client.ts";
import { account } from "../db/schema/index.ts";
import type { Env } from "../env.ts";
import { ApiError } from "../http/errors.ts";

export const reauthorizeError = () =>
  new ApiError(
    403,
    errorCodes.forbidden,
    "Berth holds no valid GitHub authorization for you (it expired or was revoked): sign out and sign in with GitHub again",
  );

export type UserTokenSource = (userId: string) => Promise<string>;

/** Reads (and if need be refreshes) the person's GitHub token through better-auth. */
export function userTokenSource(env: Env, db: Database): UserTokenSource {
  return async (userId) => {
    const [row] = await db
      .select({ id: account.id })
      .from(account)
      .where(and(eq(account.userId, userId), eq(account.providerId, "github")));
    if (!row) throw reauthorizeError();
    try {
      // No request headers: a server-side call, which better-auth allows with an explicit userId.
      const tokens = await getAuth(env).api.getAccessToken({ body: { accountId: row.id, userId } });
      if (!tokens.accessToken) throw reauthorizeError();
      return tokens.accessToken;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw reauthorizeError();
    }
  };
}
