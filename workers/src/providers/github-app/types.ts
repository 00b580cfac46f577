/**
 * GitHub, as Berth uses it through its GitHub App: one small interface, so domain code and tests
 * never see HTTP. Production talks to api.github.com; local mode and tests to the GitHub stand-in.
 * Tokens pass through as arguments and return values only: nothing here stores or logs one.
 */

export interface InstallationToken {
  token: string;
  /** ISO timestamp; GitHub gives installation tokens one hour. */
  expiresAt: string;
}

export interface GitHubRepository {
  id: number;
  /** "owner/name" */
  fullName: string;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  htmlUrl: string;
}

export interface GitHubInstallation {
  id: number;
  /** The user or organization it is installed on. */
  account: string;
}

export interface Page<T> {
  items: T[];
  totalCount: number;
}

export interface PullRequestInput {
  title: string;
  body?: string | undefined;
  head: string;
  base: string;
}

export interface GitHubEmail {
  email: string;
  verified: boolean;
  primary: boolean;
}

/** The contents + pull requests write scope every workspace token gets, and nothing more. */
export const workspaceTokenPermissions = { contents: "write", pull_requests: "write" } as const;

export interface GitHubApp {
  /** GET /repos/{owner}/{repo}/installation as the App: its installation id, or null (not installed). */
  repoInstallation(owner: string, repo: string): Promise<number | null>;
  /**
   * POST /app/installations/{id}/access_tokens, restricted to the one repository (by name, within
   * the installation's account) and to workspaceTokenPermissions.
   */
  installationToken(installationId: number, repo: string): Promise<InstallationToken>;
  /** GET /user/installations with the person's user token: installations of this App they can reach. */
  userInstallations(userToken: string, page: number, perPage: number): Promise<Page<GitHubInstallation>>;
  /** GET /user/installations/{id}/repositories with the person's user token. */
  installationRepositories(
    userToken: string,
    installationId: number,
    page: number,
    perPage: number,
  ): Promise<Page<GitHubRepository>>;
  /** GET /user/emails with the person's user token. */
  userEmails(userToken: string): Promise<GitHubEmail[]>;
  /** GET /repos/{owner}/{repo} with an installation token. */
  repository(token: string, owner: string, repo: string): Promise<GitHubRepository>;
  /** GET /repos/{owner}/{repo}/branches/{branch}: the head commit, or null when GitHub has no such branch. */
  branchHead(token: string, owner: string, repo: string, branch: string): Promise<string | null>;
  /** POST /repos/{owner}/{repo}/pulls with an installation token. */
  createPullRequest(
    token: string,
    owner: string,
    repo: string,
    input: PullRequestInput,
  ): Promise<{ url: string; number: number }>;
}

/**
 * A non-2xx answer from GitHub. `message` is GitHub's own message (never a token, never a request
 * header); `errors` are the messages of a 422's `errors` array.
 */
export class GitHubError extends Error {
  readonly status: number;
  readonly errors: string[];
  /** Set when GitHub's primary or secondary rate limit refused the call: seconds until a retry. */
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    message: string,
    errors: string[] = [],
    retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "GitHubError";
    this.status = status;
    this.errors = errors;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
