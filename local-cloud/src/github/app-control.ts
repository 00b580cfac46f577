import { isRecord, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import type { GithubAppState, Level, Permissions } from "./app-state.ts";
import { isBranchName } from "./git-store.ts";
import { installationObject, repoObject } from "./objects.ts";

/**
 * Stand-in controls for the App (no GitHub equivalent), under /__berth/:
 *   GET   app                                     id, slug, client id/secret, private_key (PEM), token TTL
 *   PATCH app                                     {token_ttl_seconds?, permissions?}
 *   POST  repos                                   {owner, name, private?, default_branch?, description?,
 *                                                  files?, message?, author?, organization?} -> 201 repo
 *   DELETE repos/<o>/<r>
 *   PUT|DELETE repos/<o>/<r>/collaborators/<login>
 *   POST  repos/<o>/<r>/commits                   {branch, from?, files, message?, author?} -> 201 {sha}
 *   GET   repos/<o>/<r>/commits?branch=&max=      {branch, commits: [{sha, author_name, author_email, message, ...}]}
 *   PUT   installations/<account>                 {repositories?: names} (absent = all) -> installation
 *   DELETE installations/<account>                uninstall (its tokens die)
 *   PUT|DELETE installations/<account>/suspended  suspend / unsuspend
 *   POST  tokens                                  {account, repositories?, permissions?} -> {token, expires_at}
 *   POST  tokens/expire | tokens/revoke           {token?} | {installation_id?} | {} (all) -> {count}
 */

type Json = Record<string, unknown>;
const ok = (json: unknown, status = 200): ServiceResponse => ({ status, json });
const bad = (error: string, status = 400): ServiceResponse => ({ status, json: { error } });

function appInfo(app: GithubAppState, base: string): Json {
  return {
    id: app.id,
    slug: app.slug,
    name: app.name,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    private_key: app.key.pem,
    permissions: app.permissions,
    token_ttl_seconds: app.tokenTtlSeconds,
    html_url: `${base}/apps/${app.slug}`,
  };
}

function isPermissions(v: unknown): v is Permissions {
  return isRecord(v) && Object.values(v).every((l) => l === "read" || l === "write" || l === "admin");
}

/** Files to commit: relative paths that stay inside the repository, mapped to their contents. */
function stringMap(v: unknown): v is Record<string, string> {
  return (
    isRecord(v) &&
    Object.entries(v).every(
      ([path, x]) =>
        typeof x === "string" &&
        !path.startsWith("/") &&
        !path.split("/").some((seg) => seg === ".." || seg === ".git"),
    )
  );
}

function author(v: unknown): { name: string; email: string } | undefined {
  return isRecord(v) && typeof v.name === "string" && typeof v.email === "string"
    ? { name: v.name, email: v.email }
    : undefined;
}

function createRepo(app: GithubAppState, b: Json, base: string): ServiceResponse {
  const name = /^[A-Za-z0-9._-]+$/;
  if (typeof b.owner !== "string" || !name.test(b.owner) || typeof b.name !== "string" || !name.test(b.name))
    return bad("owner and name must be GitHub names");
  if (app.repo(b.owner, b.name)) return bad(`${b.owner}/${b.name} exists`, 409);
  if (b.files !== undefined && !stringMap(b.files)) return bad("files must map paths to strings");
  const branch = typeof b.default_branch === "string" ? b.default_branch : "main";
  if (!isBranchName(branch)) return bad("default_branch is not a branch name");
  if (b.organization === true) app.users.declareOrg(b.owner);
  const rec = app.createRepo({
    owner: b.owner,
    name: b.name,
    private: b.private === true,
    defaultBranch: branch,
    description: typeof b.description === "string" ? b.description : null,
    ...(b.files ? { files: b.files as Record<string, string> } : {}),
    ...(typeof b.message === "string" ? { message: b.message } : {}),
    ...(author(b.author) ? { author: author(b.author) } : {}),
  });
  return ok(repoObject(app, rec, base), 201);
}

async function repoControl(
  app: GithubAppState,
  req: ServiceRequest,
  owner: string,
  name: string,
  rest: string,
  b: Json,
): Promise<ServiceResponse | undefined> {
  const repo = app.repo(owner, name);
  if (!repo) return bad(`no repository ${owner}/${name}`, 404);
  if (rest === "" && req.method === "DELETE") return ok({ ok: app.deleteRepo(owner, name) });
  const collab = /^\/collaborators\/([A-Za-z0-9-]+)$/.exec(rest);
  if (collab?.[1] && (req.method === "PUT" || req.method === "DELETE")) {
    if (req.method === "PUT") repo.collaborators.add(collab[1].toLowerCase());
    else repo.collaborators.delete(collab[1].toLowerCase());
    return ok({ ok: true });
  }
  if (rest !== "/commits") return undefined;
  if (req.method === "GET") {
    const branch = req.url.searchParams.get("branch") ?? repo.defaultBranch;
    const sha = await app.git.head(repo.owner, repo.name, branch);
    if (!sha) return bad(`no branch ${branch}`, 404);
    const max = Math.min(1000, Number(req.url.searchParams.get("max") ?? 100) || 100);
    return ok({ branch, sha, commits: await app.git.log(repo.owner, repo.name, sha, max) });
  }
  if (req.method !== "POST") return undefined;
  const branch = typeof b.branch === "string" ? b.branch : repo.defaultBranch;
  const from = typeof b.from === "string" ? b.from : undefined;
  if (!isBranchName(branch) || (from !== undefined && !isBranchName(from))) return bad("bad branch name");
  if (!stringMap(b.files)) return bad("files must map paths to strings");
  const who = author(b.author) ?? { name: "Alice Liddell", email: "alice@example.test" };
  const message = typeof b.message === "string" ? b.message : "Update";
  const sha = app.git.commit(repo.owner, repo.name, branch, { files: b.files, message, author: who }, from);
  return ok({ sha }, 201);
}

function installationControl(
  app: GithubAppState,
  req: ServiceRequest,
  account: string,
  rest: string,
  b: Json,
  base: string,
): ServiceResponse | undefined {
  if (rest === "" && req.method === "PUT") {
    const repos = b.repositories;
    if (repos !== undefined && !(Array.isArray(repos) && repos.every((r) => typeof r === "string")))
      return bad("repositories must be a list of repository names");
    if (b.organization === true) app.users.declareOrg(account);
    const inst = app.install(account, repos as string[] | undefined);
    return typeof inst === "string" ? bad(inst, 404) : ok(installationObject(app, inst, base));
  }
  const inst = app.installationOn(account);
  if (!inst) return bad(`the App is not installed on ${account}`, 404);
  if (rest === "" && req.method === "DELETE") return ok({ ok: app.uninstall(inst.id) });
  if (rest === "/suspended" && (req.method === "PUT" || req.method === "DELETE")) {
    app.setSuspended(inst.id, req.method === "PUT");
    return ok(installationObject(app, inst, base));
  }
  return undefined;
}

function tokenControl(app: GithubAppState, action: string, b: Json): ServiceResponse {
  if (action === "") {
    const inst = typeof b.account === "string" ? app.installationOn(b.account) : undefined;
    if (!inst) return bad("account must name an account the App is installed on", 404);
    const covered = app.installationRepos(inst);
    let ids: number[] | null = null;
    if (Array.isArray(b.repositories)) {
      ids = [];
      for (const n of b.repositories) {
        const r = covered.find((c) => typeof n === "string" && c.name.toLowerCase() === n.toLowerCase());
        if (!r) return bad(`${String(n)} is not in the installation`, 422);
        ids.push(r.id);
      }
    }
    if (b.permissions !== undefined && !isPermissions(b.permissions))
      return bad("permissions must map to levels");
    const perms = (b.permissions as Record<string, Level> | undefined) ?? { ...inst.permissions };
    const minted = app.mintToken(inst, ids, perms);
    return ok({ token: minted.token, expires_at: minted.expiresAt, installation_id: inst.id }, 201);
  }
  const which = {
    ...(typeof b.token === "string" ? { token: b.token } : {}),
    ...(typeof b.installation_id === "number" ? { installationId: b.installation_id } : {}),
  };
  return ok({ count: app.endTokens(action === "expire" ? "expire" : "revoke", which) });
}

export async function appControl(
  app: GithubAppState,
  req: ServiceRequest,
  base: string,
): Promise<ServiceResponse | undefined> {
  const path = req.path.slice("/__berth".length);
  const b = isRecord(req.body) ? req.body : {};
  if (path === "/app" && req.method === "GET") return ok(appInfo(app, base));
  if (path === "/app" && req.method === "PATCH") {
    if (b.token_ttl_seconds !== undefined) {
      if (!Number.isInteger(b.token_ttl_seconds) || (b.token_ttl_seconds as number) < 1)
        return bad("token_ttl_seconds must be a positive integer");
      app.tokenTtlSeconds = b.token_ttl_seconds as number;
    }
    if (b.permissions !== undefined) {
      if (!isPermissions(b.permissions)) return bad("permissions must map names to read/write/admin");
      app.permissions = { ...b.permissions };
    }
    return ok(appInfo(app, base));
  }
  if (path === "/repos" && req.method === "POST") return createRepo(app, b, base);
  const repo = /^\/repos\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)(\/.*)?$/.exec(path);
  if (repo?.[1] && repo[2]) return repoControl(app, req, repo[1], repo[2], repo[3] ?? "", b);
  const inst = /^\/installations\/([A-Za-z0-9-]+)(\/suspended)?$/.exec(path);
  if (inst?.[1]) return installationControl(app, req, inst[1], inst[2] ?? "", b, base);
  const tok = /^\/tokens(?:\/(expire|revoke))?$/.exec(path);
  if (tok && req.method === "POST") return tokenControl(app, tok[1] ?? "", b);
  return undefined;
}
