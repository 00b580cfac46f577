import { isRecord, JSON_ERROR, type ServiceRequest, type ServiceResponse } from "../http-util.ts";
import { apiError, type Caller, DOCS, JWT_REQUIRED, paginate } from "./api-util.ts";
import {
  type GithubAppState,
  type InstallationRecord,
  type Level,
  levelAllows,
  type Permissions,
} from "./app-state.ts";
import { appObject, installationObject, repoObject } from "./objects.ts";

/**
 * The App's endpoints: as the App (JWT) GET /app, installations and their access tokens; as an
 * installation GET /installation/repositories; as a person GET /user/installations(/:id/repositories).
 */

const APPS = `${DOCS}/apps/apps`;
const INSTALLATIONS = `${DOCS}/apps/installations`;
const TOKEN_DOCS = `${APPS}#create-an-installation-access-token-for-an-app`;

export interface AppRouteContext {
  app: GithubAppState;
  caller: Caller;
  req: ServiceRequest;
  base: string;
}

/** Answers an App endpoint, or undefined when the path is not one. */
export function appRoute(ctx: AppRouteContext): ServiceResponse | undefined {
  const { req } = ctx;
  const p = req.path.replace(/\/$/, "");
  const m = req.method;
  if (
    p === "/app" ||
    p.startsWith("/app/") ||
    /^\/(repos\/[^/]+\/[^/]+|users\/[^/]+|orgs\/[^/]+)\/installation$/.test(p)
  ) {
    if (ctx.caller.kind !== "app") return apiError(401, JWT_REQUIRED);
    return asApp(ctx, p, m);
  }
  if (p === "/installation/repositories" && m === "GET") return installationRepositories(ctx);
  if (p === "/installation/token" && m === "DELETE") {
    if (ctx.caller.kind !== "installation") return apiError(401, "Bad credentials");
    ctx.app.endTokens("revoke", { token: ctx.caller.token });
    return { status: 204, text: "" };
  }
  if (p === "/user/installations" && m === "GET") return userInstallations(ctx);
  const repos = /^\/user\/installations\/(\d+)\/repositories$/.exec(p);
  if (repos?.[1] && m === "GET") return userInstallationRepos(ctx, Number(repos[1]));
  return undefined;
}

function asApp(ctx: AppRouteContext, p: string, m: string): ServiceResponse {
  const { app, base, req } = ctx;
  if (p === "/app" && m === "GET") return { status: 200, json: appObject(app, base) };
  if (p === "/app/installations" && m === "GET") {
    const { page, headers } = paginate(app.allInstallations(), req, base);
    return { status: 200, json: page.map((i) => installationObject(app, i, base)), headers };
  }
  const one = /^\/app\/installations\/(\d+)(\/access_tokens|\/suspended)?$/.exec(p);
  if (one?.[1]) {
    const inst = app.installation(Number(one[1]));
    if (!inst) return apiError(404, "Not Found", `${APPS}#get-an-installation-for-the-authenticated-app`);
    if (!one[2] && m === "GET") return { status: 200, json: installationObject(app, inst, base) };
    if (!one[2] && m === "DELETE") {
      app.uninstall(inst.id);
      return { status: 204, text: "" };
    }
    if (one[2] === "/suspended" && (m === "PUT" || m === "DELETE")) {
      app.setSuspended(inst.id, m === "PUT");
      return { status: 204, text: "" };
    }
    if (one[2] === "/access_tokens" && m === "POST") return accessToken(ctx, inst);
    return apiError(404, "Not Found");
  }
  const target = /^\/(repos|users|orgs)\/([^/]+)(?:\/([^/]+))?\/installation$/.exec(p);
  if (target?.[1] && target[2] && m === "GET") {
    const [, kind, owner, name] = target;
    let inst: InstallationRecord | undefined;
    if (kind === "repos") {
      const repo = name ? app.repo(owner, name) : undefined;
      inst = repo ? app.installationFor(repo) : undefined;
    } else {
      inst = app.installationOn(owner);
      if (inst && (kind === "orgs") !== (inst.accountType === "Organization")) inst = undefined;
    }
    const doc = {
      repos: `${APPS}#get-a-repository-installation-for-the-authenticated-app`,
      users: `${APPS}#get-a-user-installation-for-the-authenticated-app`,
      orgs: `${APPS}#get-an-organization-installation-for-the-authenticated-app`,
    }[kind as "repos" | "users" | "orgs"];
    return inst
      ? { status: 200, json: installationObject(app, inst, base) }
      : apiError(404, "Not Found", doc);
  }
  return apiError(404, "Not Found");
}

/** The body's `permissions`, checked against what the installation was granted. */
function requestedPermissions(
  inst: InstallationRecord,
  body: Record<string, unknown>,
): Permissions | null | "invalid" {
  if (body.permissions === undefined) return null;
  if (!isRecord(body.permissions)) return "invalid";
  const out: Permissions = {};
  for (const [name, level] of Object.entries(body.permissions)) {
    if (level !== "read" && level !== "write" && level !== "admin") return "invalid";
    if (!levelAllows(inst.permissions[name], level)) return "invalid";
    out[name] = level as Level;
  }
  // Every token may read metadata, as every installation may.
  return { ...out, metadata: out.metadata ?? "read" };
}

function accessToken(ctx: AppRouteContext, inst: InstallationRecord): ServiceResponse {
  const { app, req, base } = ctx;
  if (req.body === JSON_ERROR) return apiError(400, "Problems parsing JSON", TOKEN_DOCS);
  const body = isRecord(req.body) ? req.body : {};
  if (inst.suspendedAt) return apiError(403, "This installation has been suspended", TOKEN_DOCS);
  const covered = app.installationRepos(inst);
  let repoIds: number[] | null = null;
  const names = body.repositories;
  const ids = body.repository_ids;
  if (names !== undefined || ids !== undefined) {
    const wanted = new Set<number>();
    const bad = () =>
      apiError(
        422,
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
        TOKEN_DOCS,
      );
    if (names !== undefined && !Array.isArray(names)) return apiError(422, "Invalid request.", TOKEN_DOCS);
    if (ids !== undefined && !Array.isArray(ids)) return apiError(422, "Invalid request.", TOKEN_DOCS);
    for (const n of (names as unknown[] | undefined) ?? []) {
      const r =
        typeof n === "string" ? covered.find((c) => c.name.toLowerCase() === n.toLowerCase()) : undefined;
      if (!r) return bad();
      wanted.add(r.id);
    }
    for (const id of (ids as unknown[] | undefined) ?? []) {
      const r = covered.find((c) => c.id === id);
      if (!r) return bad();
      wanted.add(r.id);
    }
    repoIds = [...wanted].sort((a, b) => a - b);
  }
  const perms = requestedPermissions(inst, body);
  if (perms === "invalid")
    return apiError(422, "The permissions requested are not granted to this installation.", TOKEN_DOCS);
  const permissions = perms ?? { ...inst.permissions };
  const minted = app.mintToken(inst, repoIds, permissions);
  return {
    status: 201,
    json: {
      token: minted.token,
      expires_at: minted.expiresAt,
      permissions,
      repository_selection: repoIds ? "selected" : inst.selection,
      ...(repoIds
        ? {
            repositories: repoIds.flatMap((id) => {
              const r = app.repoById(id);
              return r ? [repoObject(app, r, base)] : [];
            }),
          }
        : {}),
    },
  };
}

function installationRepositories(ctx: AppRouteContext): ServiceResponse {
  const { app, caller, req, base } = ctx;
  if (caller.kind !== "installation")
    return apiError(
      403,
      "You must authenticate with an installation access token in order to list repositories for an installation.",
      `${INSTALLATIONS}#list-repositories-accessible-to-the-app-installation`,
    );
  const repos = app.installationRepos(caller.inst).filter((r) => app.tokenCovers(caller.rec, r));
  const { page, headers } = paginate(repos, req, base);
  return {
    status: 200,
    headers,
    json: {
      total_count: repos.length,
      repository_selection: caller.rec.repoIds ? "selected" : caller.inst.selection,
      repositories: page.map((r) => repoObject(app, r, base)),
    },
  };
}

function userOnly(ctx: AppRouteContext, doc: string): { login: string } | ServiceResponse {
  const { caller, app } = ctx;
  if (caller.kind === "anonymous") return apiError(401, "Requires authentication", doc);
  if (caller.kind !== "user" || caller.clientId !== app.clientId)
    return apiError(
      403,
      "You must authenticate with an access token authorized to a GitHub App in order to list installations",
      doc,
    );
  return { login: caller.login };
}

function userInstallations(ctx: AppRouteContext): ServiceResponse {
  const doc = `${INSTALLATIONS}#list-app-installations-accessible-to-the-user-access-token`;
  const who = userOnly(ctx, doc);
  if ("status" in who) return who;
  const { app, req, base } = ctx;
  const all = app.userInstallations(who.login);
  const { page, headers } = paginate(all, req, base);
  return {
    status: 200,
    headers,
    json: { total_count: all.length, installations: page.map((i) => installationObject(app, i, base)) },
  };
}

function userInstallationRepos(ctx: AppRouteContext, id: number): ServiceResponse {
  const doc = `${INSTALLATIONS}#list-repositories-accessible-to-the-user-access-token`;
  const who = userOnly(ctx, doc);
  if ("status" in who) return who;
  const { app, req, base } = ctx;
  const inst = app.userInstallations(who.login).find((i) => i.id === id);
  if (!inst) return apiError(404, "Not Found", doc);
  const repos = app.installationRepos(inst).filter((r) => app.userCanWrite(who.login, r));
  const { page, headers } = paginate(repos, req, base);
  const owner = (r: { owner: string }) => r.owner.toLowerCase() === who.login.toLowerCase();
  return {
    status: 200,
    headers,
    json: {
      total_count: repos.length,
      repository_selection: inst.selection,
      repositories: page.map((r) => repoObject(app, r, base, { admin: owner(r), push: true, pull: true })),
    },
  };
}
