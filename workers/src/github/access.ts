/**
 * What a workspace may do on GitHub, through the App: the check before a workspace is created, and
 * the installation tokens its credential helper asks for. Tokens are returned to the caller and
 * nowhere else: never stored, logged, put in an event or an error.
 */
import { errorCodes, type GitCredentialsResponse, gitErrorCodes } from "@berth/protocol";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Workspace, workspaces } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { AppKeyError, type GitHubApp, GitHubError } from "../providers/github-app/index.ts";
import { recordEvent } from "../workspaces/store.ts";
import { type GitHubAppSettings, githubRepoOf, installUrl, type RepoRef } from "./config.ts";

export interface GitHubDeps {
  app: GitHubApp;
  settings: GitHubAppSettings;
}

/** Seconds GitHub asks to wait when its rate limit refused the call; null for any other failure. */
function rateLimitedFor(err: unknown): number | null {
  if (!(err instanceof GitHubError)) return null;
  if (err.retryAfterSeconds !== null) return err.retryAfterSeconds;
  return err.status === 429 || (err.status === 403 && /rate limit/i.test(err.message)) ? 60 : null;
}

/** An answer from GitHub that is not about this repository: the App's own setup, or GitHub's health. */
export function upstreamError(err: unknown, doing: string): ApiError {
  if (err instanceof AppKeyError) {
    return new ApiError(
      503,
      errorCodes.misconfigured,
      `cannot ${doing}: GITHUB_APP_PRIVATE_KEY is unusable (${err.message})`,
    );
  }
  if (err instanceof GitHubError && err.status === 401) {
    return new ApiError(
      503,
      errorCodes.misconfigured,
      `cannot ${doing}: GitHub refused the App's credentials; check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY`,
    );
  }
  const wait = rateLimitedFor(err);
  if (wait !== null) {
    return new ApiError(
      429,
      errorCodes.rateLimited,
      `cannot ${doing}: GitHub's rate limit is reached; try again in ${wait} s`,
      { headers: { "Retry-After": String(wait) } },
    );
  }
  const detail =
    err instanceof GitHubError
      ? `GitHub answered ${err.status || "nothing"}: ${err.message}`
      : "GitHub is unreachable";
  return new ApiError(502, errorCodes.upstream, `cannot ${doing} (${detail}); try again`);
}

export function notInstalledError(ref: RepoRef, settings: GitHubAppSettings): ApiError {
  const link = installUrl(settings);
  const repo = `${ref.owner}/${ref.repo}`;
  return new ApiError(
    422,
    gitErrorCodes.appNotInstalled,
    `the GitHub App ${settings.slug} is not installed on ${repo}: install it at ${link} (and give it ${repo}), then create the workspace again`,
    { details: [{ path: "repo_url", message: `install the GitHub App: ${link}` }] },
  );
}

/**
 * Before a workspace is created: a repo under GITHUB_WEB_URL must be reachable through the App.
 * Returns what the workspace row stores, or null for any other URL (a plain public clone).
 */
export async function resolveRepoAccess(
  gh: GitHubDeps,
  repoUrl: string,
): Promise<{ githubRepository: string; githubInstallationId: number } | null> {
  const ref = githubRepoOf(repoUrl, gh.settings);
  if (!ref) return null;
  let installationId: number | null;
  try {
    installationId = await gh.app.repoInstallation(ref.owner, ref.repo);
  } catch (err) {
    throw upstreamError(err, `check the GitHub App's access to ${ref.owner}/${ref.repo}`);
  }
  if (installationId === null) throw notInstalledError(ref, gh.settings);
  return { githubRepository: `${ref.owner}/${ref.repo}`, githubInstallationId: installationId };
}

export function repoRefOf(ws: Pick<Workspace, "githubRepository">): RepoRef | null {
  const [owner, repo] = ws.githubRepository?.split("/") ?? [];
  return owner && repo ? { owner, repo } : null;
}

/** GitHub's answers when the installation (or its grant of this repo) is gone or suspended. */
function isRevocation(err: unknown): boolean {
  // GitHub's rate limits answer 403 too: the App still has its access then.
  if (rateLimitedFor(err) !== null) return false;
  return err instanceof GitHubError && (err.status === 403 || err.status === 404 || err.status === 422);
}

function revokedError(ref: RepoRef, settings: GitHubAppSettings): ApiError {
  const repo = `${ref.owner}/${ref.repo}`;
  return new ApiError(
    403,
    gitErrorCodes.installationRevoked,
    `the GitHub App ${settings.slug} no longer has access to ${repo} (uninstalled, suspended, or the repository was removed from it); reinstall it at ${installUrl(settings)}, then try again`,
  );
}

/** Marks the workspace revoked and puts it on the timeline, once per revocation. */
async function recordRevocation(db: Database, ws: Workspace, message: string, now: number) {
  const [marked] = await db
    .update(workspaces)
    .set({ githubRevokedAt: new Date(now), updatedAt: new Date(now) })
    .where(and(eq(workspaces.id, ws.id), isNull(workspaces.githubRevokedAt)))
    .returning({ id: workspaces.id });
  if (marked) await recordEvent(db, ws.id, "github", message, now);
}

async function clearRevocation(db: Database, ws: Workspace, now: number) {
  if (!ws.githubRevokedAt) return;
  const [cleared] = await db
    .update(workspaces)
    .set({ githubRevokedAt: null, updatedAt: new Date(now) })
    .where(and(eq(workspaces.id, ws.id), isNotNull(workspaces.githubRevokedAt)))
    .returning({ id: workspaces.id });
  if (cleared)
    await recordEvent(db, ws.id, "github", "the GitHub App's access to the repository is back", now);
}

/**
 * An uninstalled App that is installed again gets a new installation id: on a 404 for the stored
 * one, the repository's current installation (if any) is looked up, stored, and used once.
 */
async function mintOrFollowReinstall(
  deps: { db: Database; github: GitHubDeps },
  ws: Workspace,
  ref: RepoRef,
  installationId: number,
) {
  try {
    return await deps.github.app.installationToken(installationId, ref.repo);
  } catch (err) {
    if (!(err instanceof GitHubError && err.status === 404)) throw err;
    const current = await deps.github.app.repoInstallation(ref.owner, ref.repo);
    if (current === null || current === installationId) throw err;
    await deps.db
      .update(workspaces)
      .set({ githubInstallationId: current, updatedAt: new Date() })
      .where(eq(workspaces.id, ws.id));
    return deps.github.app.installationToken(current, ref.repo);
  }
}

/**
 * A fresh installation token for the workspace's own repository, and only it: the repository comes
 * from the workspace row, never from the caller.
 */
export async function installationTokenFor(
  deps: { db: Database; github: GitHubDeps; now(): number },
  ws: Workspace,
): Promise<{ ref: RepoRef; token: string; expiresAt: string }> {
  const ref = repoRefOf(ws);
  if (!ref || ws.githubInstallationId === null) {
    throw new ApiError(
      409,
      errorCodes.conflict,
      "this workspace's repository is not reached through the GitHub App (it is a public clone)",
    );
  }
  try {
    const minted = await mintOrFollowReinstall(deps, ws, ref, ws.githubInstallationId);
    await clearRevocation(deps.db, ws, deps.now());
    return { ref, token: minted.token, expiresAt: minted.expiresAt };
  } catch (err) {
    if (!isRevocation(err)) throw upstreamError(err, `get a token for ${ref.owner}/${ref.repo}`);
    const error = revokedError(ref, deps.github.settings);
    await recordRevocation(deps.db, ws, error.message, deps.now());
    throw error;
  }
}

/** The VM callback's answer (gitCredentialsResponseSchema). */
export async function gitCredentials(
  deps: { db: Database; github: GitHubDeps; now(): number },
  ws: Workspace,
): Promise<GitCredentialsResponse> {
  const { ref, token, expiresAt } = await installationTokenFor(deps, ws);
  return {
    username: "x-access-token",
    password: token,
    expires_at: expiresAt,
    repository: `${ref.owner}/${ref.repo}`,
    origin: deps.github.settings.webUrl,
  };
}
