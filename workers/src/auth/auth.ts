import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import { createDatabase } from "../db/client.ts";
import * as schema from "../db/schema/index.ts";
import type { Env } from "../env.ts";
import { githubProvider } from "./github.ts";

export const apiKeyPrefix = "berth_";

function buildAuth(env: Env) {
  const trustedOrigins = (env.BERTH_TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  return betterAuth({
    baseURL: env.BERTH_PUBLIC_URL,
    basePath: "/api/auth",
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: [env.BERTH_PUBLIC_URL, ...trustedOrigins],
    database: drizzleAdapter(createDatabase(env.DB), { provider: "sqlite", schema }),
    // Only GitHub logs people in; email/password stays off.
    emailAndPassword: { enabled: false },
    // An existing user is linked to a GitHub account only on an email GitHub says is verified
    // (no trusted providers: better-auth then demands emailVerified on both sides).
    // The GitHub user token is encrypted at rest (AES-256-GCM under BETTER_AUTH_SECRET): Berth uses
    // it server-side only (src/github/user-token.ts).
    account: { accountLinking: { enabled: true }, encryptOAuthTokens: true },
    user: {
      additionalFields: {
        githubLogin: { type: "string", required: false, input: true, fieldName: "githubLogin" },
        githubOrgs: { type: "string", required: false, input: true, fieldName: "githubOrgs" },
      },
    },
    // The login and orgs decide who is invited: users must never set them through update-user.
    // The GitHub token never leaves the server: better-auth's endpoints that hand it out are off.
    disabledPaths: ["/update-user", "/change-email", "/delete-user", "/get-access-token", "/refresh-token"],
    plugins: [
      genericOAuth({ config: [githubProvider(env)] }),
      apiKey({
        defaultPrefix: apiKeyPrefix,
        requireName: true,
        maximumNameLength: 64,
        // Berth rate-limits per route; the plugin's default (10 requests a day) would lock scripts out.
        rateLimit: { enabled: false },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof buildAuth>;

const cache = new WeakMap<Env, Auth>();

/** One better-auth instance per Worker environment (bindings are stable within an isolate). */
export function getAuth(env: Env): Auth {
  let auth = cache.get(env);
  if (!auth) {
    auth = buildAuth(env);
    cache.set(env, auth);
  }
  return auth;
}
