import type { ServiceRequest, ServiceResponse } from "../http-util.ts";
import type { BucketMap } from "../rate-limit.ts";
import { checkAppJwt, JWT_ERRORS, looksLikeJwt } from "./app-key.ts";
import type {
  GithubAppState,
  InstallationRecord,
  InstallationTokenRecord,
  Level,
  RepoRecord,
} from "./app-state.ts";
import { hashToken } from "./app-state.ts";

export const DOCS = "https://docs.github.com/rest";

export function apiError(status: number, message: string, documentationUrl = DOCS): ServiceResponse {
  return { status, json: { message, documentation_url: documentationUrl, status: String(status) } };
}

/** GitHub's 422 "Validation Failed" with its `errors` list. */
export function validationFailed(
  errors: Array<Record<string, string>>,
  documentationUrl: string,
): ServiceResponse {
  return {
    status: 422,
    json: { message: "Validation Failed", errors, documentation_url: documentationUrl, status: "422" },
  };
}

/** Who is calling the REST API, decided from the Authorization header. */
export type Caller =
  | { kind: "app" }
  | { kind: "installation"; token: string; rec: InstallationTokenRecord; inst: InstallationRecord }
  | { kind: "user"; token: string; login: string; clientId: string }
  | { kind: "anonymous" };

export function bearer(req: ServiceRequest): string | null {
  const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[2] ?? null;
}

/** The caller, or GitHub's 401 for a token it does not know (or a JWT it refuses). */
export function authenticate(app: GithubAppState, req: ServiceRequest): Caller | ServiceResponse {
  const token = bearer(req);
  if (!token) return req.headers.authorization ? apiError(401, "Bad credentials") : { kind: "anonymous" };
  if (looksLikeJwt(token)) {
    const err = checkAppJwt(token, app, app.now());
    return err ? apiError(401, err) : { kind: "app" };
  }
  if (token.startsWith("ghs_")) {
    const rec = app.tokenRecord(token);
    const inst = rec ? app.installation(rec.installationId) : undefined;
    if (!rec || !inst) return apiError(401, "Bad credentials");
    if (inst.suspendedAt) return apiError(403, "This installation has been suspended");
    return { kind: "installation", token, rec, inst };
  }
  const info = app.users.tokenInfo(token);
  return info
    ? { kind: "user", token, login: info.login, clientId: info.clientId }
    : apiError(401, "Bad credentials");
}

export interface RateLimits {
  /** Per-token buckets (GitHub: 5000/hour for users and installations). */
  buckets: BucketMap;
  /** Unauthenticated callers (GitHub: 60/hour). */
  anonymous: BucketMap;
}

/** Takes one request from the caller's bucket: the x-ratelimit-* headers, and a 403 past the limit. */
export function rateLimit(
  limits: RateLimits,
  caller: Caller,
  appId: number,
): { headers: Record<string, string>; exceeded?: ServiceResponse } {
  const key =
    caller.kind === "app"
      ? `app:${appId}`
      : caller.kind === "anonymous"
        ? "anonymous"
        : `tok:${hashToken(caller.token)}`;
  const b = (caller.kind === "anonymous" ? limits.anonymous : limits.buckets).get(key).take();
  const headers = {
    "X-RateLimit-Limit": String(b.limit),
    "X-RateLimit-Remaining": String(b.remaining),
    "X-RateLimit-Reset": String(b.resetAt),
    "X-RateLimit-Used": String(b.limit - b.remaining),
    "X-RateLimit-Resource": "core",
    "X-GitHub-Media-Type": "github.v3; format=json",
  };
  if (b.ok) return { headers };
  const who =
    caller.kind === "installation"
      ? `installation ID ${caller.inst.id}`
      : caller.kind === "user"
        ? `user ${caller.login}`
        : caller.kind === "app"
          ? `app ID ${appId}`
          : "your IP address";
  return {
    headers,
    exceeded: apiError(
      403,
      `API rate limit exceeded for ${who}.`,
      `${DOCS}/overview/rate-limits-for-the-rest-api`,
    ),
  };
}

/** `per_page` (default 30, at most 100) and `page` of a list, with GitHub's Link header. */
export function paginate<T>(
  items: T[],
  req: ServiceRequest,
  base: string,
): { page: T[]; headers: Record<string, string> } {
  const q = req.url.searchParams;
  const perPage = Math.min(100, Math.max(1, Number(q.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const u = new URL(`${base}${req.path}`);
    for (const [k, v] of q) if (k !== "page" && k !== "per_page") u.searchParams.append(k, v);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { Link: links.join(", ") } : {},
  };
}

export const JWT_REQUIRED = JWT_ERRORS.undecodable;

/** What a caller may do in one repository: whether it sees it at all, and its contents / pulls levels. */
export interface RepoAccess {
  visible: boolean;
  contents: Level | null;
  pulls: Level | null;
  /** Who GitHub names in "Permission to o/r.git denied to <actor>." */
  actor: string;
}

/**
 * GitHub's rules, as far as Berth meets them: a public repository is readable by anyone; an
 * installation token reaches the repositories its installation covers and the token was
 * restricted to, with the token's permissions; a user token of the App reaches what the person
 * can write to on GitHub and the App is installed on (user-to-server tokens are the intersection).
 */
export function repoAccess(app: GithubAppState, caller: Caller, repo: RepoRecord): RepoAccess {
  const pub: Level | null = repo.private ? null : "read";
  const none = { visible: !repo.private, contents: pub, pulls: pub };
  if (caller.kind === "installation") {
    const actor = app.botLogin;
    if (caller.inst.suspendedAt || !app.tokenCovers(caller.rec, repo)) return { ...none, actor };
    const perms = caller.rec.permissions;
    return {
      visible: true,
      contents: (perms.contents as Level | undefined) ?? pub,
      pulls: (perms.pull_requests as Level | undefined) ?? pub,
      actor,
    };
  }
  if (caller.kind === "user") {
    const inst = app.installationFor(repo);
    if (inst && !inst.suspendedAt && app.userCanWrite(caller.login, repo))
      return { visible: true, contents: "write", pulls: "write", actor: caller.login };
    return { ...none, actor: caller.login };
  }
  return { ...none, actor: caller.kind === "app" ? app.botLogin : "anonymous" };
}
