import { isRecord, JSON_ERROR, type ServiceResponse } from "../http-util.ts";
import { apiError, DOCS, paginate, type RepoAccess, repoAccess, validationFailed } from "./api-util.ts";
import type { AppRouteContext } from "./app-routes.ts";
import { levelAllows, type PullRecord, type RepoRecord } from "./app-state.ts";
import { isBranchName } from "./git-store.ts";
import { commitObject, pullObject, repoObject } from "./objects.ts";

/** GET /repos/:o/:r, its branches, and its pull requests (list, get, create). */

const REPO_DOC = `${DOCS}/repos/repos#get-a-repository`;
const BRANCH_DOC = `${DOCS}/branches/branches#get-a-branch`;
const PULLS = `${DOCS}/pulls/pulls`;

export async function repoRoute(ctx: AppRouteContext): Promise<ServiceResponse | undefined> {
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(ctx.req.path.replace(/\/$/, ""));
  if (!m?.[1] || !m[2]) return undefined;
  const [, owner, name, rest = ""] = m;
  const method = ctx.req.method;
  const doc = rest.startsWith("/pulls") ? PULLS : rest.startsWith("/branches") ? BRANCH_DOC : REPO_DOC;
  const repo = ctx.app.repo(owner, name);
  const access = repo ? repoAccess(ctx.app, ctx.caller, repo) : undefined;
  if (!repo || !access?.visible) return apiError(404, "Not Found", doc);
  if (rest === "" && method === "GET") return { status: 200, json: repoJson(ctx, repo, access) };
  if (rest.startsWith("/branches/") && method === "GET")
    return branch(ctx, repo, decodeURIComponent(rest.slice("/branches/".length)));
  if (rest === "/pulls" && method === "GET") return listPulls(ctx, repo);
  const cmp = /^\/compare\/(.+)\.\.\.(.+)$/.exec(rest);
  if (cmp?.[1] && cmp[2] && method === "GET")
    return compare(ctx, repo, decodeURIComponent(cmp[1]), decodeURIComponent(cmp[2]));
  if (rest === "/pulls" && method === "POST") return createPull(ctx, repo, access);
  const one = /^\/pulls\/(\d+)$/.exec(rest);
  if (one?.[1] && method === "GET") {
    const p = repo.pulls.find((x) => x.number === Number(one[1]));
    return p
      ? { status: 200, json: await pullJson(ctx, repo, p) }
      : apiError(404, "Not Found", `${PULLS}#get-a-pull-request`);
  }
  return apiError(404, "Not Found");
}

function repoJson(ctx: AppRouteContext, repo: RepoRecord, a: RepoAccess): Record<string, unknown> {
  const { caller, app, base } = ctx;
  const perms =
    caller.kind === "anonymous" || caller.kind === "app"
      ? undefined
      : {
          admin: caller.kind === "user" && caller.login.toLowerCase() === repo.owner.toLowerCase(),
          push: levelAllows(a.contents ?? undefined, "write"),
          pull: a.contents !== null,
        };
  return repoObject(app, repo, base, perms);
}

async function branch(ctx: AppRouteContext, repo: RepoRecord, name: string): Promise<ServiceResponse> {
  const { app, base } = ctx;
  const sha = await app.git.head(repo.owner, repo.name, name);
  if (!sha) return apiError(404, "Branch not found", BRANCH_DOC);
  const [commit] = await app.git.log(repo.owner, repo.name, sha, 1);
  if (!commit) return apiError(404, "Branch not found", BRANCH_DOC);
  const full = `${repo.owner}/${repo.name}`;
  const repoUrl = `${base}/repos/${full}`;
  return {
    status: 200,
    json: {
      name,
      commit: commitObject(repoUrl, `${base}/${full}`, commit, base),
      _links: { self: `${repoUrl}/branches/${name}`, html: `${base}/${full}/tree/${name}` },
      protected: false,
      protection: {
        enabled: false,
        required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
      },
      protection_url: `${repoUrl}/branches/${name}/protection`,
    },
  };
}

/** GET /repos/:o/:r/compare/base...head (branches of this repository): how far head is ahead. */
async function compare(
  ctx: AppRouteContext,
  repo: RepoRecord,
  baseRef: string,
  head: string,
): Promise<ServiceResponse> {
  const { git } = ctx.app;
  const doc = `${DOCS}/commits/commits#compare-two-commits`;
  const baseSha = await git.head(repo.owner, repo.name, baseRef);
  const headSha = await git.head(repo.owner, repo.name, head);
  if (!baseSha || !headSha) return apiError(404, "Not Found", doc);
  const ahead = await git.aheadBy(repo.owner, repo.name, baseSha, headSha);
  const behind = await git.aheadBy(repo.owner, repo.name, headSha, baseSha);
  const status = ahead && behind ? "diverged" : ahead ? "ahead" : behind ? "behind" : "identical";
  const full = `${repo.owner}/${repo.name}`;
  const repoUrl = `${ctx.base}/repos/${full}`;
  const commits = ahead
    ? (await git.log(repo.owner, repo.name, `${baseSha}..${headSha}`, 250)).reverse()
    : [];
  return {
    status: 200,
    json: {
      url: `${repoUrl}/compare/${baseRef}...${head}`,
      html_url: `${ctx.base}/${full}/compare/${baseRef}...${head}`,
      status,
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      commits: commits.map((c) => commitObject(repoUrl, `${ctx.base}/${full}`, c, ctx.base)),
    },
  };
}

async function pullJson(ctx: AppRouteContext, repo: RepoRecord, p: PullRecord) {
  const { git } = ctx.app;
  const headSha = (await git.head(repo.owner, repo.name, p.head)) ?? "";
  const baseSha = (await git.head(repo.owner, repo.name, p.base)) ?? "";
  const ok = headSha !== "" && baseSha !== "";
  const commits = ok ? await git.aheadBy(repo.owner, repo.name, baseSha, headSha) : 0;
  const stat = ok
    ? await git.diffStat(repo.owner, repo.name, baseSha, headSha)
    : { additions: 0, deletions: 0, changed_files: 0 };
  return pullObject(ctx.app, repo, p, ctx.base, { headSha, baseSha, commits, ...stat });
}

/** "owner:branch" or "branch"; another owner means a fork, which the stand-in does not have. */
function headBranch(repo: RepoRecord, head: string): string | null {
  const i = head.indexOf(":");
  if (i < 0) return head;
  return head.slice(0, i).toLowerCase() === repo.owner.toLowerCase() ? head.slice(i + 1) : null;
}

async function listPulls(ctx: AppRouteContext, repo: RepoRecord): Promise<ServiceResponse> {
  const q = ctx.req.url.searchParams;
  const state = q.get("state") ?? "open";
  const head = q.get("head");
  const baseRef = q.get("base");
  const wantedHead = head ? headBranch(repo, head) : undefined;
  const all = repo.pulls
    .filter((p) => state === "all" || p.state === state)
    .filter((p) => !head || p.head === wantedHead)
    .filter((p) => !baseRef || p.base === baseRef)
    .sort((a, b) => b.number - a.number);
  const { page, headers } = paginate(all, ctx.req, ctx.base);
  const json = [];
  for (const p of page) json.push(await pullJson(ctx, repo, p));
  return { status: 200, json, headers };
}

async function createPull(
  ctx: AppRouteContext,
  repo: RepoRecord,
  access: RepoAccess,
): Promise<ServiceResponse> {
  const { app, req, caller } = ctx;
  const doc = `${PULLS}#create-a-pull-request`;
  if (caller.kind === "anonymous") return apiError(401, "Requires authentication", doc);
  if (caller.kind === "app" || !levelAllows(access.pulls ?? undefined, "write"))
    return apiError(403, "Resource not accessible by integration", doc);
  if (req.body === JSON_ERROR) return apiError(400, "Problems parsing JSON", doc);
  const body = isRecord(req.body) ? req.body : {};
  const missing = ["head", "base"].filter((k) => typeof body[k] !== "string" || body[k] === "");
  if (typeof body.title !== "string" && body.issue === undefined) missing.unshift("title");
  if (missing.length)
    return apiError(
      422,
      `Invalid request.\n\n${missing.map((k) => `"${k}" wasn't supplied.`).join("\n")}`,
      doc,
    );
  const head = headBranch(repo, body.head as string);
  const baseRef = body.base as string;
  const headSha = head && isBranchName(head) ? await app.git.head(repo.owner, repo.name, head) : null;
  if (!head || !headSha)
    return validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }], doc);
  const baseSha = await app.git.head(repo.owner, repo.name, baseRef);
  if (!baseSha) return validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }], doc);
  if ((await app.git.aheadBy(repo.owner, repo.name, baseSha, headSha)) === 0)
    return validationFailed(
      [{ resource: "PullRequest", code: "custom", message: `No commits between ${baseRef} and ${head}` }],
      doc,
    );
  if (repo.pulls.some((p) => p.state === "open" && p.head === head && p.base === baseRef))
    return validationFailed(
      [
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${repo.owner}:${head}.`,
        },
      ],
      doc,
    );
  const pr: PullRecord = {
    ...app.nextPull(repo),
    title: String(body.title ?? ""),
    body: typeof body.body === "string" ? body.body : null,
    head,
    base: baseRef,
    state: "open",
    draft: body.draft === true,
    user: caller.kind === "user" ? caller.login : null,
    createdAt: new Date(Math.floor(app.now() / 1000) * 1000).toISOString().replace(".000Z", "Z"),
  };
  repo.pulls.push(pr);
  const json = await pullJson(ctx, repo, pr);
  return { status: 201, json, headers: { Location: String(json.url) } };
}
