import type { Env } from "../env.ts";
import { createGitHubApp, type GitHubApp } from "../providers/github-app/index.ts";

/** Where repositories live when GITHUB_WEB_URL is not set. */
export const defaultGithubWebUrl = "https://github.com";

/** The non-secret facts about the App the domain code needs (links, which URLs are App repos). */
export interface GitHubAppSettings {
  slug: string;
  /** Origin of GitHub's web and git side, no trailing slash. */
  webUrl: string;
}

export function githubAppSettings(env: Pick<Env, "GITHUB_APP_SLUG" | "GITHUB_WEB_URL">): GitHubAppSettings {
  const web = env.GITHUB_WEB_URL?.trim() || defaultGithubWebUrl;
  return { slug: env.GITHUB_APP_SLUG?.trim() ?? "", webUrl: new URL(web).origin };
}

/** Where a person installs the App (GitHub's page, or the stand-in's page at the same path). */
export function installUrl(settings: GitHubAppSettings): string {
  return `${settings.webUrl}/apps/${encodeURIComponent(settings.slug)}/installations/new`;
}

/** One client per Worker environment, so the private key is imported once per isolate, not per request. */
const clients = new WeakMap<Env, GitHubApp>();

/** The App client for this Worker's settings (the private key is imported on first use). */
export function githubAppFrom(env: Env): GitHubApp {
  let app = clients.get(env);
  if (!app) {
    app = createGitHubApp({
      apiUrl: env.GITHUB_API_URL,
      appId: env.GITHUB_APP_ID,
      privateKeyPem: env.GITHUB_APP_PRIVATE_KEY,
    });
    clients.set(env, app);
  }
  return app;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

const namePart = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * owner/repo when `repoUrl` is a repository under GITHUB_WEB_URL (https://github.com/o/r, with or
 * without .git or a trailing slash); null for any other URL, which stays a plain public clone.
 */
export function githubRepoOf(repoUrl: string, settings: GitHubAppSettings): RepoRef | null {
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return null;
  }
  if (url.origin.toLowerCase() !== settings.webUrl.toLowerCase()) return null;
  if (url.search || url.hash) return null;
  const parts = url.pathname.replace(/\/+$/, "").split("/").slice(1);
  if (parts.length !== 2) return null;
  const [owner, rawRepo] = parts as [string, string];
  const repo = rawRepo.replace(/\.git$/, "");
  if (!namePart.test(owner) || !namePart.test(repo) || repo === "." || repo === "..") return null;
  return { owner, repo };
}
