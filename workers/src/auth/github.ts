import type { GenericOAuthConfig } from "better-auth/plugins/generic-oauth";
import type { Env } from "../env.ts";

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url: string | null;
}
interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub login as a generic OAuth provider with its URLs taken from configuration: production points
 * at github.com, local mode at the stand-in, and the login code is the same for both.
 */
export function githubProvider(env: Env): GenericOAuthConfig {
  const oauth = env.GITHUB_OAUTH_URL.replace(/\/$/, "");
  const api = env.GITHUB_API_URL.replace(/\/$/, "");
  return {
    providerId: "github",
    name: "GitHub",
    clientId: env.GITHUB_CLIENT_ID,
    clientSecret: env.GITHUB_CLIENT_SECRET,
    authorizationUrl: `${oauth}/login/oauth/authorize`,
    tokenUrl: `${oauth}/login/oauth/access_token`,
    tokenEndpointAuth: { method: "client_secret_post" },
    scopes: ["read:user", "user:email"],
    // GitHub OAuth apps reject PKCE-less flows nowhere, and the stand-in mirrors GitHub.
    pkce: false,
    async getUserInfo(tokens) {
      const headers = {
        Authorization: `Bearer ${tokens.accessToken}`,
        Accept: "application/vnd.github+json",
        "User-Agent": "berth",
      };
      const userResponse = await fetch(`${api}/user`, { headers });
      if (!userResponse.ok) return null;
      const profile = (await userResponse.json()) as GitHubUser;
      let email = profile.email;
      let emailVerified = false;
      // A private email is missing from /user; /user/emails has it with its verification state.
      const emailsResponse = await fetch(`${api}/user/emails`, { headers });
      if (emailsResponse.ok) {
        const emails = (await emailsResponse.json()) as GitHubEmail[];
        const primary = emails.find((e) => e.primary) ?? emails.find((e) => e.verified);
        if (primary && (!email || primary.email === email)) {
          email = primary.email;
          emailVerified = primary.verified;
        }
      }
      if (!email) return null;
      return {
        id: String(profile.id),
        name: profile.name || profile.login,
        email,
        emailVerified,
        image: profile.avatar_url ?? undefined,
      };
    },
  };
}
