/**
 * POST /api/workspaces/{id}/pull-request: a PR from the branch the agent last reported to the
 * repository's default branch, opened with an installation token for that one repository.
 */
import { errorCodes } from "@berth/protocol";
import type { Database } from "../db/client.ts";
import type { Workspace } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { GitHubError } from "../providers/github-app/index.ts";
import { recordEvent, updateWorkspace } from "../workspaces/store.ts";
import { type GitHubDeps, installationTokenFor, upstreamError } from "./access.ts";

export interface PullRequestRequest {
  title: string;
  body?: string | undefined;
  /** The branch to merge into; default: the repository's default branch. */
  base?: string | undefined;
}

const conflict = (message: string) => new ApiError(409, errorCodes.conflict, message);

/** GitHub's 422 on create: nothing to compare, an open PR for the branch, or something else. */
function pullError(err: GitHubError, branch: string, base: string): ApiError {
  const said = [err.message, ...err.errors].join("; ");
  if (/no commits between/i.test(said)) {
    return new ApiError(
      422,
      errorCodes.validation,
      `nothing to compare: ${branch} has no commits that ${base} lacks on GitHub (commit, then push)`,
    );
  }
  if (/already exists/i.test(said)) return conflict(`a pull request from ${branch} is already open`);
  return new ApiError(422, errorCodes.validation, `GitHub refused the pull request: ${said}`);
}

export async function openPullRequest(
  deps: { db: Database; github: GitHubDeps; now(): number },
  ws: Workspace,
  input: PullRequestRequest,
): Promise<{ url: string; number: number }> {
  if (!ws.githubRepository) {
    throw conflict(
      "this workspace's repository is not reached through the GitHub App: open pull requests on its host",
    );
  }
  const branch = ws.gitBranch;
  if (!branch) {
    throw conflict(
      "the workspace has not reported a branch yet (a detached HEAD, or the agent has not sent its status)",
    );
  }
  const { ref, token } = await installationTokenFor(deps, ws);
  const { app } = deps.github;
  let base: string;
  let head: string | null;
  try {
    base = input.base ?? (await app.repository(token, ref.owner, ref.repo)).defaultBranch;
    head = base === branch ? null : await app.branchHead(token, ref.owner, ref.repo, branch);
  } catch (err) {
    throw upstreamError(err, `read ${ref.owner}/${ref.repo} on GitHub`);
  }
  if (base === branch) {
    throw new ApiError(
      422,
      errorCodes.validation,
      `the workspace is on ${base}, the default branch: create a branch for your work (git switch -c my-change), commit and push it`,
    );
  }
  if (head === null)
    throw conflict(`${branch} is not on GitHub yet: push first (git push -u origin ${branch})`);
  let pr: { url: string; number: number };
  try {
    pr = await app.createPullRequest(token, ref.owner, ref.repo, {
      title: input.title,
      body: input.body,
      head: branch,
      base,
    });
  } catch (err) {
    if (err instanceof GitHubError && err.status === 422) throw pullError(err, branch, base);
    throw upstreamError(err, `open a pull request on ${ref.owner}/${ref.repo}`);
  }
  await updateWorkspace(deps.db, ws.id, {
    pullRequestUrl: pr.url,
    pullRequestNumber: pr.number,
    pullRequestBranch: branch,
  });
  await recordEvent(
    deps.db,
    ws.id,
    "pull_request",
    `opened pull request #${pr.number} (${branch} → ${base}): ${pr.url}`,
    deps.now(),
  );
  return pr;
}
