import { APIError } from "better-auth/api";
import type { GenericOAuthConfig } from "better-auth/plugins/generic-oauth";
import type { Env } from "../env.ts";
import { accessPolicy, isInvited, serializeOrgs } from "./access.ts";

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

/** Where a person who is on neither allow-list lands (an HTML page with a way back). */
export const notInvitedPath = "/api/not-invited";

/** GitHub's /user/orgs pages: 100 per page; a person in more than 1000 orgs is not the common case. */
const maxOrgPages = 10;

type Headers = Record<string, string>;

/** Every org the token's user belongs to, following GitHub's Link header. */
export async function fetchGithubOrgs(api: string, headers: Headers): Promise<string[] | null> {
  const orgs: string[] = [];
  let url: string | null = `${api}/user/orgs?per_page=100`;
  for (let page = 0; url && page < maxOrgPages; page++) {
    const response: Response = await fetch(url, { headers });
    if (!response.ok) return null;
    for (const org of (await response.json()) as Array<{ login: string }>) orgs.push(org.login);
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1] ?? null;
  }
  return orgs;
}

/**
 * The email Berth keys the account on. Only an address GitHub has verified can ever match (and so
 * link to) an existing Berth user; without one, the account gets GitHub's per-account noreply
 * address, which nobody else can claim.
 */
function identityEmail(profile: GitHubUser, emails: GitHubEmail[] | null) {
  const primary = emails?.find((e) => e.primary && e.verified);
  if (primary) return { email: primary.email, emailVerified: true };
  if (emails === null && profile.email) return { email: profile.email, emailVerified: false };
  return { email: `${profile.id}+${profile.login}@users.noreply.github.com`, emailVerified: false };
}

/**
 * GitHub login as a generic OAuth provider with its URLs taken from configuration: production points
 * at github.com, local mode at the stand-in, and the login code is the same for both. Sign-in checks
 * the allow-lists before better-auth writes anything: a person who is not invited is redirected to
 * the "not invited" page with no user, account or session row created.
 */
export function githubProvider(env: Env): GenericOAuthConfig {
  const oauth = env.GITHUB_OAUTH_URL.replace(/\/$/, "");
  const api = env.GITHUB_API_URL.replace(/\/$/, "");
  const policy = accessPolicy(env);
  const wantOrgs = policy.orgs.size > 0;
  return {
    providerId: "github",
    name: "GitHub",
    clientId: env.GITHUB_CLIENT_ID,
    clientSecret: env.GITHUB_CLIENT_SECRET,
    authorizationUrl: `${oauth}/login/oauth/authorize`,
    tokenUrl: `${oauth}/login/oauth/access_token`,
    tokenEndpointAuth: { method: "client_secret_post" },
    // read:org only when org membership decides who is invited (private memberships need it).
    scopes: wantOrgs ? ["read:user", "user:email", "read:org"] : ["read:user", "user:email"],
    pkce: true,
    // Name, avatar, login and orgs follow GitHub at every sign-in.
    overrideUserInfo: true,
    async getUserInfo(tokens) {
      const headers = {
        Authorization: `Bearer ${tokens.accessToken}`,
        Accept: "application/vnd.github+json",
        "User-Agent": "berth",
      };
      const userResponse = await fetch(`${api}/user`, { headers });
      if (!userResponse.ok) return null;
      const profile = (await userResponse.json()) as GitHubUser;
      const orgs = wantOrgs ? await fetchGithubOrgs(api, headers) : [];
      if (orgs === null) return null;
      if (!isInvited(policy, profile.login, orgs)) {
        const page = new URL(notInvitedPath, env.BERTH_PUBLIC_URL);
        page.searchParams.set("login", profile.login);
        // A redirect thrown here ends the callback before better-auth touches the database.
        throw new APIError("FOUND", undefined, { Location: page.toString() });
      }
      const emailsResponse = await fetch(`${api}/user/emails`, { headers });
      const emails = emailsResponse.ok ? ((await emailsResponse.json()) as GitHubEmail[]) : null;
      const info = {
        id: String(profile.id),
        name: profile.name || profile.login,
        ...identityEmail(profile, emails),
        image: profile.avatar_url ?? undefined,
        githubLogin: profile.login.toLowerCase(),
        githubOrgs: serializeOrgs(orgs),
      };
      return info;
    },
    mapProfileToUser: (profile) => ({ githubLogin: profile.githubLogin, githubOrgs: profile.githubOrgs }),
  };
}
