import { html, isRecord, redirect, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import type { BucketMap } from "../rate-limit.ts";
import type { ServiceDef } from "../service.ts";
import { apiError, authenticate, DOCS, rateLimit } from "./api-util.ts";
import { appControl } from "./app-control.ts";
import { appRoute } from "./app-routes.ts";
import { type GithubAppState, levelAllows } from "./app-state.ts";
import { applyGithubFixture } from "./fixture.ts";
import { gitHttp } from "./git-http.ts";
import { appPage, authorizePage, errorPage, pullPage } from "./page.ts";
import { repoRoute } from "./repo-routes.ts";
import { type GithubState, normalizeScope } from "./state.ts";
import { avatarSvg, emailsOf, findUser, USERS, userObject } from "./users.ts";

export interface GithubServiceOptions {
  state: GithubState;
  /** Per-token buckets for authenticated API calls (GitHub: 5000/hour). */
  buckets: BucketMap;
  /** Unauthenticated API callers (GitHub: 60/hour). */
  anonymousBuckets: BucketMap;
  /** The stand-in's own origin (for avatar and API URLs); defaults to the request's Host. */
  origin?: () => string | undefined;
  /** The GitHub App, its installations and repositories (served over git smart HTTP too). */
  app: GithubAppState;
  /** Re-create local mode's repositories and installation on reset. */
  fixture: boolean;
}

export { apiError };

const TROUBLE =
  "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

const OAUTH_ERRORS: Record<string, { description: string; uri: string }> = {
  bad_verification_code: {
    description: "The code passed is incorrect or expired.",
    uri: `${TROUBLE}/#bad-verification-code`,
  },
  incorrect_client_credentials: {
    description: "The client_id and/or client_secret passed are incorrect.",
    uri: `${TROUBLE}/#incorrect-client-credentials`,
  },
  // GitHub answers a failed PKCE check like any other unusable code.
  pkce_mismatch: {
    description: "The code_verifier does not match the code_challenge sent to authorize.",
    uri: `${TROUBLE}/#bad-verification-code`,
  },
  redirect_uri_mismatch: {
    description: "The redirect_uri MUST match the registered callback URL for this application.",
    uri: `${TROUBLE}/#redirect-uri-mismatch`,
  },
};

function origin(opts: GithubServiceOptions, req: ServiceRequest): string {
  return opts.origin?.() ?? `http://${req.headers.host ?? "127.0.0.1"}`;
}

/** Validates the authorize parameters; returns an error page or the checked values. */
function checkAuthorize(
  state: GithubState,
  p: URLSearchParams,
): ServiceResponse | { clientId: string; redirectUri: string } {
  const clientId = p.get("client_id");
  if (!clientId || !state.client(clientId))
    return html(400, errorPage(`The client_id '${clientId ?? ""}' does not belong to a known application.`));
  const redirectUri = p.get("redirect_uri");
  let ok = false;
  try {
    ok = redirectUri !== null && ["http:", "https:"].includes(new URL(redirectUri).protocol);
  } catch {}
  if (!ok || !redirectUri) return html(400, errorPage("The redirect_uri is missing or not an http(s) URL."));
  return { clientId, redirectUri };
}

/** The PKCE challenge of an authorize request, if any (GitHub supports S256 and plain). */
function pkceOf(p: URLSearchParams): { challenge: string; method: "S256" | "plain" } | undefined | string {
  const challenge = p.get("code_challenge");
  if (!challenge) return undefined;
  const method = p.get("code_challenge_method") ?? "plain";
  if (method !== "S256" && method !== "plain") return `Unsupported code_challenge_method '${method}'.`;
  return { challenge, method };
}

function approve(state: GithubState, p: URLSearchParams): ServiceResponse {
  const checked = checkAuthorize(state, p);
  if ("status" in checked) return checked;
  const user = findUser(p.get("login") ?? "");
  if (!user) return html(400, errorPage(`Unknown test user '${p.get("login") ?? ""}'.`));
  const pkce = pkceOf(p);
  if (typeof pkce === "string") return html(400, errorPage(pkce));
  const code = state.issueCode(
    checked.clientId,
    checked.redirectUri,
    normalizeScope(p.get("scope")),
    user.login,
    pkce,
  );
  const target = new URL(checked.redirectUri);
  target.searchParams.set("code", code);
  const st = p.get("state");
  if (st !== null) target.searchParams.set("state", st);
  return redirect(target.toString());
}

function formParams(req: ServiceRequest): URLSearchParams {
  const p = new URLSearchParams(req.url.searchParams);
  if (isRecord(req.body)) for (const [k, v] of Object.entries(req.body)) if (v != null) p.set(k, String(v));
  return p;
}

/** Client credentials may also come as HTTP Basic auth (client_id:client_secret). */
function basicCredentials(req: ServiceRequest): { id: string; secret: string } | null {
  const m = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function accessToken(state: GithubState, req: ServiceRequest): ServiceResponse {
  const p = formParams(req);
  const basic = basicCredentials(req);
  if (basic && !p.get("client_id")) p.set("client_id", basic.id);
  if (basic && !p.get("client_secret")) p.set("client_secret", basic.secret);
  const wantsJson = (req.headers.accept ?? "").includes("json");
  const answer = (fields: Record<string, string>): ServiceResponse =>
    wantsJson
      ? { status: 200, json: fields }
      : {
          status: 200,
          text: new URLSearchParams(fields).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        };
  const fail = (error: string) => {
    const e = OAUTH_ERRORS[error] ?? { description: error, uri: TROUBLE };
    return answer({ error, error_description: e.description, error_uri: e.uri });
  };
  const client = state.client(p.get("client_id"));
  if (!client || client.clientSecret !== p.get("client_secret")) return fail("incorrect_client_credentials");
  const result = state.redeem(
    p.get("code") ?? "",
    client.clientId,
    p.get("redirect_uri") ?? undefined,
    p.get("code_verifier") ?? undefined,
  );
  if ("error" in result) {
    if (result.error !== "pkce_mismatch") return fail(result.error);
    const e = OAUTH_ERRORS.pkce_mismatch;
    return answer({
      error: "bad_verification_code",
      error_description: e?.description ?? "",
      error_uri: e?.uri ?? "",
    });
  }
  return answer({ access_token: result.token, token_type: "bearer", scope: result.record.scope });
}

function apiToken(req: ServiceRequest): string | null {
  const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[2] ?? null;
}

function api(opts: GithubServiceOptions, req: ServiceRequest): ServiceResponse {
  const token = apiToken(req);
  // An installation is no person: GitHub refuses it the /user endpoints.
  if (token && opts.app.tokenRecord(token))
    return apiError(
      403,
      "Resource not accessible by integration",
      `${DOCS}/users/users#get-the-authenticated-user`,
    );
  const info = token ? opts.state.tokenInfo(token) : undefined;
  const user = info ? findUser(info.login) : undefined;
  if (!token || !info || !user) {
    const r = apiError(401, "Bad credentials");
    r.headers = {
      "X-RateLimit-Limit": "60",
      "X-RateLimit-Remaining": "59",
      "X-RateLimit-Used": "1",
      "X-RateLimit-Resource": "core",
    };
    return r;
  }
  const b = opts.buckets.get(token).take();
  const headers = {
    "X-RateLimit-Limit": String(b.limit),
    "X-RateLimit-Remaining": String(b.remaining),
    "X-RateLimit-Reset": String(b.resetAt),
    "X-RateLimit-Used": String(b.limit - b.remaining),
    "X-RateLimit-Resource": "core",
    "X-OAuth-Scopes": info.scope.split(",").filter(Boolean).join(", "),
  };
  let res: ServiceResponse;
  const scopes = info.scope.split(",");
  if (!b.ok)
    res = apiError(
      403,
      `API rate limit exceeded for user ID ${user.id}.`,
      `${DOCS}/overview/rate-limits-for-the-rest-api`,
    );
  else if (req.method !== "GET") res = apiError(404, "Not Found");
  else if (req.path === "/user")
    res = {
      status: 200,
      json: userObject(user, origin(opts, req), opts.state.emailOverride(user.login)),
    };
  else if (req.path === "/user/orgs") res = userOrgs(opts, req, user.login, scopes);
  else if (!scopes.includes("user:email") && !scopes.includes("user") && !appMayReadEmails(opts, info))
    res = apiError(404, "Not Found", `${DOCS}/users/emails#list-email-addresses-for-the-authenticated-user`);
  else res = { status: 200, json: emailsOf(user, opts.state.emailOverride(user.login)) };
  res.headers = { ...headers, ...res.headers };
  return res;
}

/**
 * A GitHub App's user token carries no OAuth scopes (GitHub ignores `scope` for Apps): what it may
 * read is the App's permissions, here its "Email addresses" permission.
 */
function appMayReadEmails(opts: GithubServiceOptions, info: { scope: string; clientId: string }): boolean {
  return (
    info.scope === "" &&
    info.clientId === opts.app.clientId &&
    levelAllows(opts.app.permissions.emails, "read")
  );
}

/**
 * GET /user/orgs: paged like GitHub (per_page up to 100, default 30; a Link header with next/last).
 * Without read:org (or user, admin:org) GitHub lists only public memberships.
 */
function userOrgs(
  opts: GithubServiceOptions,
  req: ServiceRequest,
  login: string,
  scopes: string[],
): ServiceResponse {
  const full = scopes.some((s) => s === "read:org" || s === "user" || s === "admin:org" || s === "write:org");
  const all = opts.state.orgsOf(login, !full);
  const q = req.url.searchParams;
  const perPage = Math.min(100, Math.max(1, Number(q.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const base = origin(opts, req);
  const items = all.slice((page - 1) * perPage, page * perPage).map((org) => orgObject(org, base));
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const link = (p: number, rel: string) => `<${base}/user/orgs?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  return {
    status: 200,
    json: items,
    headers: links.length ? { Link: links.join(", ") } : ({} as Record<string, string>),
  };
}

function orgObject(org: string, base: string): Record<string, unknown> {
  let hash = 0;
  for (const ch of org) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const id = 9_000_000 + (hash % 1_000_000);
  const url = `${base}/orgs/${org}`;
  return {
    login: org,
    id,
    node_id: Buffer.from(`04:Organization${id}`).toString("base64"),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${base}/avatars/${org}.svg`,
    description: null,
  };
}

/**
 * Stand-in controls (no GitHub equivalent): put users in orgs, change a user's primary email.
 *   PUT|DELETE /__berth/orgs/<org>/members/<login>   body {"public": true} optional
 *   PUT /__berth/users/<login>/email                 body {"email"?: string, "verified": boolean}
 */
function control(opts: GithubServiceOptions, req: ServiceRequest): ServiceResponse | undefined {
  const member = /^\/__berth\/orgs\/([A-Za-z0-9-]+)\/members\/([A-Za-z0-9-]+)$/.exec(req.path);
  const body = isRecord(req.body) ? req.body : {};
  if (member?.[1] && member[2]) {
    if (req.method === "PUT") opts.state.addOrgMember(member[1], member[2], body.public === true);
    else if (req.method === "DELETE") opts.state.removeOrgMember(member[1], member[2]);
    else return undefined;
    return { status: 200, json: { ok: true } };
  }
  const email = /^\/__berth\/users\/([A-Za-z0-9-]+)\/email$/.exec(req.path);
  if (email?.[1] && req.method === "PUT") {
    if (typeof body.verified !== "boolean")
      return { status: 400, json: { error: "verified must be a boolean" } };
    if (body.email !== undefined && typeof body.email !== "string")
      return { status: 400, json: { error: "email must be a string" } };
    opts.state.setEmail(email[1], { verified: body.verified, ...(body.email ? { email: body.email } : {}) });
    return { status: 200, json: { ok: true } };
  }
  return undefined;
}

/** The App's REST endpoints and /repos/*, with the rate-limit headers of the caller's bucket. */
async function appApi(opts: GithubServiceOptions, req: ServiceRequest): Promise<ServiceResponse | undefined> {
  const p = req.path;
  if (
    !/^\/(app(\/|$)|installation\/|repos\/|(users|orgs)\/[^/]+\/installation$)/.test(p) &&
    !p.startsWith("/user/installations")
  )
    return undefined;
  const caller = authenticate(opts.app, req);
  if ("status" in caller) return caller;
  const limit = rateLimit({ buckets: opts.buckets, anonymous: opts.anonymousBuckets }, caller, opts.app.id);
  const ctx = { app: opts.app, caller, req, base: origin(opts, req) };
  const res = limit.exceeded ?? appRoute(ctx) ?? (await repoRoute(ctx)) ?? apiError(404, "Not Found");
  res.headers = { ...limit.headers, ...res.headers };
  return res;
}

/** The few web pages behind the App's html_urls: the App, its install page, a pull request. */
function webPage(opts: GithubServiceOptions, req: ServiceRequest): ServiceResponse | undefined {
  if (req.method !== "GET") return undefined;
  const { app } = opts;
  if (req.path === `/apps/${app.slug}` || req.path === `/apps/${app.slug}/installations/new`)
    return html(200, appPage(app));
  const pull = /^\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)\/pull\/(\d+)$/.exec(req.path);
  const repo = pull?.[1] && pull[2] ? app.repo(pull[1], pull[2]) : undefined;
  const pr = repo?.pulls.find((x) => x.number === Number(pull?.[3]));
  // Private ones too: the stand-in has no web sign-in, and it only listens on loopback.
  return repo && pr ? html(200, pullPage(repo, pr)) : undefined;
}

async function route(opts: GithubServiceOptions, req: ServiceRequest): Promise<ServiceResponse> {
  const { state } = opts;
  const path = req.path.replace(/\/$/, "") || "/";
  if (path === "/login/oauth/authorize" && req.method === "GET") {
    const p = req.url.searchParams;
    const checked = checkAuthorize(state, p);
    if ("status" in checked) return checked;
    if (p.get("login")) return approve(state, p);
    return html(200, authorizePage(p, USERS));
  }
  if (path === "/login/oauth/authorize/approve" && (req.method === "POST" || req.method === "GET"))
    return approve(state, formParams(req));
  if (path === "/login/oauth/access_token" && req.method === "POST") return accessToken(state, req);
  if (path === "/user" || path === "/user/emails" || path === "/user/orgs") return api(opts, req);
  const answer = (await appApi(opts, req)) ?? webPage(opts, req);
  if (answer) return answer;
  const avatar = /^\/avatars\/([a-z0-9-]+)\.svg$/.exec(path);
  const u = avatar?.[1] ? findUser(avatar[1]) : undefined;
  if (u) return { status: 200, text: avatarSvg(u), headers: { "content-type": "image/svg+xml" } };
  return apiError(404, "Not Found");
}

export function githubService(opts: GithubServiceOptions): ServiceDef {
  return {
    name: "github",
    handle: (req) => route(opts, req),
    control: async (req) => control(opts, req) ?? (await appControl(opts.app, req, origin(opts, req))),
    raw: gitHttp(opts.app),
    faultResponse(status) {
      if (status === 429 || status === 403) {
        const r = apiError(
          status,
          "API rate limit exceeded.",
          `${DOCS}/overview/rate-limits-for-the-rest-api`,
        );
        r.headers = { "X-RateLimit-Remaining": "0", "Retry-After": "1" };
        return r;
      }
      const messages: Record<number, string> = {
        401: "Bad credentials",
        404: "Not Found",
        500: "Server Error",
      };
      return apiError(status, messages[status] ?? (status >= 500 ? "Server Error" : "Bad Request"));
    },
    reset() {
      opts.state.reset();
      opts.buckets.reset();
      opts.anonymousBuckets.reset();
      opts.app.reset();
      if (opts.fixture) applyGithubFixture(opts.app);
    },
    dump: () => ({ ...opts.state.dump(), ...opts.app.dump() }),
  };
}
