/**
 * A minimal in-test GitHub for the App endpoints the GitHub stand-in does not serve yet (it gains
 * them on branch ghstand): a `fetch` answering in GitHub's wire format, and a GitHubApp built on
 * it. Tests that use it should switch to the stand-in once that lands (see the branch's report).
 */
import { env } from "cloudflare:workers";
import type { GitHubDeps } from "../../src/github/access.ts";
import { githubAppSettings } from "../../src/github/config.ts";
import { createGitHubApp } from "../../src/providers/github-app/index.ts";

export interface SeenRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  authorization: string | null;
  body: unknown;
}

export interface FakeRepo {
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  branches?: Record<string, string>;
}

export interface FakeInstallation {
  id: number;
  account: string;
  repos: FakeRepo[];
  /** Users who can see the installation (GET /user/installations). */
  users: string[];
  suspended?: boolean;
}

/** Mutable state of the fake: tests add installations, tokens and pulls directly. */
export class FakeGitHub {
  installations: FakeInstallation[] = [];
  /** user token -> login */
  userTokens = new Map<string, string>();
  /** minted installation tokens -> (installation id, repo name) */
  minted = new Map<string, { installation: number; repos: string[] }>();
  pulls: Array<{ repo: string; title: string; head: string; base: string; body?: string; number: number }> =
    [];
  seen: SeenRequest[] = [];

  repoByName(owner: string, name: string) {
    for (const inst of this.installations) {
      const repo = inst.repos.find((r) => r.owner === owner && r.name === name);
      if (repo) return { inst, repo };
    }
    return null;
  }

  fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const req: SeenRequest = {
      method: init?.method ?? "GET",
      path: url.pathname,
      search: url.searchParams,
      authorization: headers.get("authorization"),
      body,
    };
    this.seen.push(req);
    return this.answer(req);
  };

  private json(status: number, value: unknown): Response {
    return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
  }

  private error(status: number, message: string, errors?: unknown[]): Response {
    return this.json(status, {
      message,
      documentation_url: "https://docs.github.com/rest",
      ...(errors ? { errors } : {}),
    });
  }

  private wireRepo(r: FakeRepo, id: number) {
    return {
      id,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      private: r.private ?? true,
      default_branch: r.defaultBranch ?? "main",
      html_url: `https://github.test/${r.owner}/${r.name}`,
      owner: { login: r.owner },
    };
  }

  private page<T>(items: T[], search: URLSearchParams) {
    const perPage = Number(search.get("per_page") ?? 30);
    const page = Number(search.get("page") ?? 1);
    return items.slice((page - 1) * perPage, page * perPage);
  }

  private answer(req: SeenRequest): Response {
    const bearer = req.authorization?.replace(/^Bearer /, "") ?? "";
    const isJwt = bearer.split(".").length === 3;
    let m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(req.path);
    if (m && isJwt) {
      const found = this.repoByName(m[1] as string, m[2] as string);
      return found
        ? this.json(200, { id: found.inst.id, account: { login: found.inst.account } })
        : this.error(404, "Not Found");
    }
    m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(req.path);
    if (m && isJwt && req.method === "POST") {
      const inst = this.installations.find((i) => i.id === Number(m?.[1]));
      if (!inst) return this.error(404, "Not Found");
      if (inst.suspended) return this.error(403, "This installation has been suspended");
      const wanted = (req.body as { repositories?: string[] }).repositories ?? [];
      if (!wanted.every((w) => inst.repos.some((r) => r.name === w)))
        return this.error(
          422,
          "There is at least one repository that does not exist or is not accessible to the parent installation.",
        );
      const token = `ghs_${crypto.randomUUID().replace(/-/g, "")}`;
      this.minted.set(token, { installation: inst.id, repos: wanted });
      return this.json(201, {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        permissions: (req.body as { permissions?: unknown }).permissions,
        repository_selection: "selected",
      });
    }
    const login = this.userTokens.get(bearer);
    if (req.path === "/user/installations" && login) {
      const visible = this.installations.filter((i) => i.users.includes(login));
      return this.json(200, {
        total_count: visible.length,
        installations: this.page(visible, req.search).map((i) => ({
          id: i.id,
          account: { login: i.account },
        })),
      });
    }
    m = /^\/user\/installations\/(\d+)\/repositories$/.exec(req.path);
    if (m && login) {
      const inst = this.installations.find((i) => i.id === Number(m?.[1]) && i.users.includes(login));
      if (!inst) return this.error(404, "Not Found");
      return this.json(200, {
        total_count: inst.repos.length,
        repositories: this.page(inst.repos, req.search).map((r) =>
          this.wireRepo(r, inst.id * 1000 + inst.repos.indexOf(r)),
        ),
      });
    }
    const grant = this.minted.get(bearer);
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path);
    if (m && grant) {
      const found = this.repoByName(m[1] as string, m[2] as string);
      if (!found || found.inst.id !== grant.installation || !grant.repos.includes(found.repo.name))
        return this.error(404, "Not Found");
      const rest = m[3] ?? "";
      if (rest === "") return this.json(200, this.wireRepo(found.repo, 1));
      const branch = /^\/branches\/(.+)$/.exec(rest);
      if (branch) {
        const sha = found.repo.branches?.[decodeURIComponent(branch[1] as string)];
        return sha
          ? this.json(200, { name: branch[1], commit: { sha } })
          : this.error(404, "Branch not found");
      }
      if (rest === "/pulls" && req.method === "POST") return this.createPull(found.repo, req.body as never);
    }
    return this.error(401, "Bad credentials");
  }

  private createPull(
    repo: FakeRepo,
    body: { title: string; head: string; base: string; body?: string },
  ): Response {
    const branches = repo.branches ?? {};
    if (!branches[body.head])
      return this.error(422, "Validation Failed", [
        { resource: "PullRequest", field: "head", code: "invalid" },
      ]);
    if (branches[body.head] === branches[body.base])
      return this.error(422, "Validation Failed", [
        {
          resource: "PullRequest",
          code: "custom",
          message: `No commits between ${body.base} and ${body.head}`,
        },
      ]);
    const full = `${repo.owner}/${repo.name}`;
    if (this.pulls.some((p) => p.repo === full && p.head === body.head))
      return this.error(422, "Validation Failed", [
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${repo.owner}:${body.head}.`,
        },
      ]);
    const number = this.pulls.length + 1;
    this.pulls.push({ repo: full, ...body, number });
    return this.json(201, { number, html_url: `https://github.test/${full}/pull/${number}` });
  }
}

/** GitHub deps for domain functions: the real client over the fake's fetch, the tests' App key. */
export function fakeGithubDeps(fake: FakeGitHub): GitHubDeps {
  return {
    app: createGitHubApp({
      apiUrl: "https://api.github.test",
      appId: env.GITHUB_APP_ID,
      privateKeyPem: env.GITHUB_APP_PRIVATE_KEY,
      fetch: fake.fetch,
    }),
    settings: githubAppSettings(env),
  };
}
