import { signAppJwt } from "./jwt.ts";
import { importAppKey } from "./key.ts";
import {
  type GitHubApp,
  type GitHubEmail,
  GitHubError,
  type GitHubInstallation,
  type GitHubRepository,
  type InstallationToken,
  type Page,
  workspaceTokenPermissions,
} from "./types.ts";

export interface GitHubAppOptions {
  /** https://api.github.com, or the stand-in. */
  apiUrl: string;
  appId: string;
  privateKeyPem: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Per request, body included. Default 15 s. */
  timeoutMs?: number;
}

interface Call {
  method: "GET" | "POST";
  path: string;
  /** A bearer token; "app" signs a fresh App JWT. */
  auth: string | "app";
  query?: Record<string, string>;
  body?: unknown;
}

interface WireRepo {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  default_branch: string;
  html_url: string;
  owner: { login: string };
}

const toRepo = (r: WireRepo): GitHubRepository => ({
  id: r.id,
  fullName: r.full_name,
  owner: r.owner.login,
  name: r.name,
  private: r.private,
  defaultBranch: r.default_branch,
  htmlUrl: r.html_url,
});

const segment = (s: string) => encodeURIComponent(s);

/** Without retry-after or a spent primary limit, GitHub asks for at least a minute's wait. */
const defaultRateLimitWaitSeconds = 60;

/**
 * Seconds to wait when GitHub's rate limit refused the call, else null. Both limits answer 403 or
 * 429: the primary one with x-ratelimit-remaining 0 (until x-ratelimit-reset, epoch seconds), a
 * secondary one with a message saying so, and retry-after when GitHub gives one.
 */
export function rateLimitWait(
  status: number,
  headers: Headers,
  message: string,
  nowMs: number,
): number | null {
  const spent = headers.get("x-ratelimit-remaining") === "0";
  const limited = status === 429 || (status === 403 && (spent || /rate limit/i.test(message)));
  if (!limited) return null;
  const retryAfter = headers.get("retry-after")?.trim() ?? "";
  if (/^\d+$/.test(retryAfter)) return Math.max(1, Number(retryAfter));
  const reset = Number(headers.get("x-ratelimit-reset"));
  if (spent && Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - nowMs / 1000));
  return defaultRateLimitWaitSeconds;
}

/** GitHub's error body: `{message, errors?: [{message?, code?}], documentation_url}`. */
async function githubError(res: Response, nowMs: number): Promise<GitHubError> {
  const body = (await res.json().catch(() => null)) as {
    message?: unknown;
    errors?: Array<{ message?: unknown; code?: unknown }>;
  } | null;
  const message = typeof body?.message === "string" ? body.message : res.statusText || "request failed";
  const errors = Array.isArray(body?.errors)
    ? body.errors
        .map((e) => (typeof e?.message === "string" ? e.message : typeof e?.code === "string" ? e.code : ""))
        .filter(Boolean)
    : [];
  return new GitHubError(
    res.status,
    message.slice(0, 500),
    errors.map((e) => e.slice(0, 500)),
    rateLimitWait(res.status, res.headers, message, nowMs),
  );
}

const unexpected = (c: Pick<Call, "method" | "path">) =>
  new GitHubError(502, `GitHub answered ${c.method} ${c.path} with something other than its documented JSON`);

/** Guards the fields the code reads: a stand-in or proxy answering off-contract fails clearly. */
function expectArray<T>(value: unknown, c: Pick<Call, "method" | "path">): T[] {
  if (!Array.isArray(value)) throw unexpected(c);
  return value as T[];
}

type Requester = <T>(c: Call) => Promise<T>;

/** One call to GitHub's REST API: App JWT or a token as bearer, bounded in time, errors as GitHubError. */
function createRequester(opts: GitHubAppOptions): Requester {
  const base = opts.apiUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let key: Promise<CryptoKey> | null = null;

  return async function call<T>(c: Call): Promise<T> {
    const url = new URL(`${base}${c.path}`);
    for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
    if (c.auth === "app") key ??= importAppKey(opts.privateKeyPem);
    const bearer =
      c.auth === "app" ? await signAppJwt(await (key as Promise<CryptoKey>), opts.appId, now()) : c.auth;
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${bearer}`,
      "user-agent": "berth",
      "x-github-api-version": "2022-11-28",
    };
    if (c.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(url.toString(), {
        method: c.method,
        headers,
        body: c.body === undefined ? null : JSON.stringify(c.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      // The runtime's own error text could quote the request: say only what failed.
      throw new GitHubError(0, `GitHub did not answer ${c.method} ${c.path}`);
    }
    if (!res.ok) throw await githubError(res, now());
    const value = (await res.json().catch(() => null)) as T | null;
    if (value === null || typeof value !== "object") throw unexpected(c);
    return value;
  };
}

const notFoundIsNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GitHubError && err.status === 404) return null;
    throw err;
  }
};

const pageQuery = (page: number, perPage: number) => ({ page: String(page), per_page: String(perPage) });

/** As the App (JWT): the installation of a repository, installation tokens. */
function appEndpoints(call: Requester): Pick<GitHubApp, "repoInstallation" | "installationToken"> {
  return {
    async repoInstallation(owner, repo) {
      const found = await notFoundIsNull(
        call<{ id: number }>({
          method: "GET",
          path: `/repos/${segment(owner)}/${segment(repo)}/installation`,
          auth: "app",
        }),
      );
      if (found && typeof found.id !== "number")
        throw unexpected({ method: "GET", path: "/repos/{o}/{r}/installation" });
      return found?.id ?? null;
    },
    async installationToken(installationId, repo): Promise<InstallationToken> {
      const res = await call<{ token: string; expires_at: string }>({
        method: "POST",
        path: `/app/installations/${installationId}/access_tokens`,
        auth: "app",
        body: { repositories: [repo], permissions: workspaceTokenPermissions },
      });
      const expires = Date.parse(res.expires_at);
      if (typeof res.token !== "string" || !res.token || !Number.isFinite(expires)) {
        throw unexpected({ method: "POST", path: "/app/installations/{id}/access_tokens" });
      }
      return { token: res.token, expiresAt: new Date(expires).toISOString() };
    },
  };
}

/** With the person's user token: what they reach through the App, their emails. */
function userEndpoints(
  call: Requester,
): Pick<GitHubApp, "userInstallations" | "installationRepositories" | "userEmails"> {
  return {
    async userInstallations(userToken, page, perPage): Promise<Page<GitHubInstallation>> {
      const res = await call<{
        total_count: number;
        installations: Array<{ id: number; account: { login: string } | null }>;
      }>({ method: "GET", path: "/user/installations", auth: userToken, query: pageQuery(page, perPage) });
      const list = expectArray<{ id: number; account: { login: string } | null }>(res.installations, {
        method: "GET",
        path: "/user/installations",
      });
      return {
        totalCount: Number(res.total_count) || list.length,
        items: list.map((i) => ({ id: i.id, account: i.account?.login ?? "" })),
      };
    },
    async installationRepositories(
      userToken,
      installationId,
      page,
      perPage,
    ): Promise<Page<GitHubRepository>> {
      const res = await call<{ total_count: number; repositories: WireRepo[] }>({
        method: "GET",
        path: `/user/installations/${installationId}/repositories`,
        auth: userToken,
        query: pageQuery(page, perPage),
      });
      const list = expectArray<WireRepo>(res.repositories, {
        method: "GET",
        path: "/user/installations/{id}/repositories",
      });
      return { totalCount: Number(res.total_count) || list.length, items: list.map(toRepo) };
    },
    async userEmails(userToken): Promise<GitHubEmail[]> {
      const res = await call<Array<{ email: string; verified: boolean; primary: boolean }>>({
        method: "GET",
        path: "/user/emails",
        auth: userToken,
        query: { per_page: "100" },
      });
      return expectArray<GitHubEmail>(res, { method: "GET", path: "/user/emails" }).map((e) => ({
        email: e.email,
        verified: e.verified,
        primary: e.primary,
      }));
    },
  };
}

/** With an installation token: one repository, its branches and pull requests. */
function repoEndpoints(call: Requester): Pick<GitHubApp, "repository" | "branchHead" | "createPullRequest"> {
  return {
    async repository(token, owner, repo) {
      return toRepo(
        await call<WireRepo>({
          method: "GET",
          path: `/repos/${segment(owner)}/${segment(repo)}`,
          auth: token,
        }),
      );
    },
    async branchHead(token, owner, repo, branch) {
      // Branch names keep their slashes in the path (GitHub resolves refs/heads/<branch>).
      const name = branch.split("/").map(segment).join("/");
      const found = await notFoundIsNull(
        call<{ commit: { sha: string } }>({
          method: "GET",
          path: `/repos/${segment(owner)}/${segment(repo)}/branches/${name}`,
          auth: token,
        }),
      );
      return found?.commit.sha ?? null;
    },
    async createPullRequest(token, owner, repo, input) {
      const res = await call<{ html_url: string; number: number }>({
        method: "POST",
        path: `/repos/${segment(owner)}/${segment(repo)}/pulls`,
        auth: token,
        body: {
          title: input.title,
          head: input.head,
          base: input.base,
          ...(input.body ? { body: input.body } : {}),
        },
      });
      return { url: res.html_url, number: res.number };
    },
  };
}

export function createGitHubApp(opts: GitHubAppOptions): GitHubApp {
  const call = createRequester(opts);
  return { ...appEndpoints(call), ...userEndpoints(call), ...repoEndpoints(call) };
}
