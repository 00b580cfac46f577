/**
 * GET /api/repositories: what the person can reach through the App's installations, as GitHub
 * answers it for their user token (GET /user/installations, then each installation's
 * repositories). Nothing is cached: GitHub is the source of truth for who can see what.
 */
import { errorCodes } from "@berth/protocol";
import { ApiError } from "../http/errors.ts";
import { GitHubError, type GitHubInstallation } from "../providers/github-app/index.ts";
import { type GitHubDeps, upstreamError } from "./access.ts";
import { reauthorizeError } from "./user-token.ts";

export interface RepositoryItem {
  full_name: string;
  owner: string;
  name: string;
  private: boolean;
  default_branch: string;
  /** What to create a workspace with: <GITHUB_WEB_URL>/<owner>/<name>.git */
  repo_url: string;
  installation_id: number;
}

/** GitHub's largest page. */
const githubPage = 100;
/** At most this many GitHub calls per request, so a search over thousands of repos stays bounded. */
const maxCallsPerRequest = 8;
const maxInstallationPages = 5;

interface Cursor {
  /** Index into the installation list. */
  i: number;
  /** GitHub page of that installation's repositories (1-based). */
  p: number;
  /** Matches of that page already returned. */
  s: number;
}

const encodeCursor = (c: Cursor) => btoa(JSON.stringify([c.i, c.p, c.s])).replace(/=+$/, "");

export function decodeCursor(value: string | undefined): Cursor {
  if (!value) return { i: 0, p: 1, s: 0 };
  try {
    const parsed = JSON.parse(atob(value)) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed.every((n) => Number.isInteger(n) && n >= 0 && n < 100_000) &&
      parsed[1] >= 1
    ) {
      return { i: parsed[0], p: parsed[1], s: parsed[2] };
    }
  } catch {}
  throw new ApiError(422, errorCodes.validation, "cursor must be a next_cursor from a previous page", {
    details: [{ path: "cursor", message: "not a next_cursor from a previous page" }],
  });
}

/** GitHub's answers to a user token that no longer works become "sign in again". */
function userCallError(err: unknown, doing: string): ApiError {
  if (err instanceof GitHubError && err.status === 401) return reauthorizeError();
  return upstreamError(err, doing);
}

async function allInstallations(gh: GitHubDeps, token: string): Promise<GitHubInstallation[]> {
  const all: GitHubInstallation[] = [];
  for (let page = 1; page <= maxInstallationPages; page++) {
    const got = await gh.app.userInstallations(token, page, githubPage);
    all.push(...got.items);
    if (got.items.length < githubPage || all.length >= got.totalCount) break;
  }
  // A stable order, so a cursor means the same thing on the next request.
  return all.sort((a, b) => a.id - b.id);
}

export async function listRepositories(
  gh: GitHubDeps,
  userToken: string,
  opts: { q?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ repositories: RepositoryItem[]; next_cursor: string | null }> {
  const cursor = decodeCursor(opts.cursor);
  const q = opts.q?.trim().toLowerCase() ?? "";
  let installations: GitHubInstallation[];
  try {
    installations = await allInstallations(gh, userToken);
  } catch (err) {
    throw userCallError(err, "list your GitHub App installations");
  }
  const out: RepositoryItem[] = [];
  let { i, p, s } = cursor;
  for (
    let calls = 0;
    i < installations.length && out.length < opts.limit && calls < maxCallsPerRequest;
    calls++
  ) {
    const inst = installations[i] as GitHubInstallation;
    let page: Awaited<ReturnType<GitHubDeps["app"]["installationRepositories"]>>;
    try {
      page = await gh.app.installationRepositories(userToken, inst.id, p, githubPage);
    } catch (err) {
      throw userCallError(err, `list the repositories of installation ${inst.id}`);
    }
    const matches = page.items.filter((r) => !q || r.fullName.toLowerCase().includes(q));
    const available = matches.slice(s);
    const taken = available.slice(0, opts.limit - out.length);
    out.push(
      ...taken.map((r) => ({
        full_name: r.fullName,
        owner: r.owner,
        name: r.name,
        private: r.private,
        default_branch: r.defaultBranch,
        repo_url: `${gh.settings.webUrl}/${r.owner}/${r.name}.git`,
        installation_id: inst.id,
      })),
    );
    if (taken.length < available.length) {
      s += taken.length;
      break;
    }
    s = 0;
    const more = page.items.length === githubPage && p * githubPage < page.totalCount;
    if (more) p++;
    else {
      i++;
      p = 1;
    }
  }
  const next = i < installations.length ? encodeCursor({ i, p, s }) : null;
  return { repositories: out, next_cursor: next };
}
