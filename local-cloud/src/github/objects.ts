import type { GithubAppState, InstallationRecord, PullRecord, RepoRecord } from "./app-state.ts";
import { orgId } from "./app-state.ts";
import type { CommitInfo } from "./git-store.ts";
import { findUser } from "./users.ts";

/** GitHub's JSON shapes for the App's endpoints, with URLs on the stand-in's own origin. */

const nodeId = (kind: string, id: number) => Buffer.from(`0${kind.length}:${kind}${id}`).toString("base64");

/** A "simple user" (owner, account, PR author); organizations and the App's bot too. */
export function simpleUser(
  login: string,
  base: string,
  type: "User" | "Organization" | "Bot" = "User",
  botId = 0,
): Record<string, unknown> {
  const id =
    type === "Organization" ? orgId(login) : type === "Bot" ? botId : (findUser(login)?.id ?? orgId(login));
  const url = type === "Organization" ? `${base}/orgs/${login}` : `${base}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type === "Organization" ? "Organization" : type, id),
    avatar_url: `${base}/avatars/${login}.svg`,
    gravatar_id: "",
    url,
    html_url: `${base}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function botUser(app: GithubAppState, base: string): Record<string, unknown> {
  return simpleUser(app.botLogin, base, "Bot", 41_000_000 + app.id);
}

export function repoObject(
  app: GithubAppState,
  r: RepoRecord,
  base: string,
  permissions?: { admin: boolean; push: boolean; pull: boolean },
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  const url = `${base}/repos/${full}`;
  return {
    id: r.id,
    node_id: nodeId("Repository", r.id),
    name: r.name,
    full_name: full,
    private: r.private,
    owner: simpleUser(r.owner, base, app.accountType(r.owner)),
    html_url: `${base}/${full}`,
    description: r.description,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    branches_url: `${url}/branches{/branch}`,
    commits_url: `${url}/commits{/sha}`,
    contents_url: `${url}/contents/{+path}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    pulls_url: `${url}/pulls{/number}`,
    issues_url: `${url}/issues{/number}`,
    created_at: r.createdAt,
    updated_at: r.pushedAt,
    pushed_at: r.pushedAt,
    git_url: `${base.replace(/^https?:/, "git:")}/${full}.git`,
    ssh_url: `git@${new URL(base).hostname}:${full}.git`,
    clone_url: `${base}/${full}.git`,
    homepage: null,
    size: 1,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    archived: false,
    disabled: false,
    open_issues_count: r.pulls.filter((p) => p.state === "open").length,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: r.private ? "private" : "public",
    forks: 0,
    open_issues: r.pulls.filter((p) => p.state === "open").length,
    watchers: 0,
    default_branch: r.defaultBranch,
    ...(permissions
      ? {
          permissions: {
            admin: permissions.admin,
            maintain: permissions.admin,
            push: permissions.push,
            triage: permissions.push,
            pull: permissions.pull,
          },
        }
      : {}),
  };
}

export function installationObject(
  app: GithubAppState,
  inst: InstallationRecord,
  base: string,
): Record<string, unknown> {
  const org = inst.accountType === "Organization";
  return {
    id: inst.id,
    client_id: app.clientId,
    account: simpleUser(inst.account, base, inst.accountType),
    repository_selection: inst.selection,
    access_tokens_url: `${base}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${base}/installation/repositories`,
    html_url: org
      ? `${base}/organizations/${inst.account}/settings/installations/${inst.id}`
      : `${base}/settings/installations/${inst.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: inst.accountId,
    target_type: inst.accountType,
    permissions: { ...inst.permissions },
    events: [],
    created_at: inst.createdAt,
    updated_at: inst.updatedAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: inst.suspendedAt ? simpleUser(inst.account, base, "User") : null,
    suspended_at: inst.suspendedAt,
  };
}

export function appObject(app: GithubAppState, base: string): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("App", app.id),
    client_id: app.clientId,
    owner: simpleUser("alice", base),
    name: app.name,
    description: "Berth's GitHub App (local stand-in)",
    external_url: "http://localhost:8787",
    html_url: `${base}/apps/${app.slug}`,
    created_at: app.createdAt,
    updated_at: app.createdAt,
    permissions: { ...app.permissions },
    events: [],
    installations_count: app.allInstallations().length,
  };
}

export function commitObject(
  repoUrl: string,
  htmlRepoUrl: string,
  c: CommitInfo,
  base: string,
): Record<string, unknown> {
  const person = (name: string, email: string) => ({ name, email, date: c.author_date });
  // GitHub links a commit to the account whose email (or noreply address) it carries.
  const noreply = /^(\d+)\+([A-Za-z0-9-]+)@users\.noreply\.github\.com$/.exec(c.author_email);
  const author = findUser(noreply?.[2] ?? c.author_email.split("@")[0] ?? "");
  const matches =
    author && (noreply ? String(author.id) === noreply[1] : author.email === c.author_email.toLowerCase());
  const linked = author && matches ? simpleUser(author.login, base) : null;
  return {
    sha: c.sha,
    node_id: nodeId("Commit", Number.parseInt(c.sha.slice(0, 8), 16)),
    commit: {
      author: person(c.author_name, c.author_email),
      committer: person(c.committer_name, c.committer_email),
      message: c.message,
      tree: { sha: "", url: "" },
      url: `${repoUrl}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    },
    url: `${repoUrl}/commits/${c.sha}`,
    html_url: `${htmlRepoUrl}/commit/${c.sha}`,
    comments_url: `${repoUrl}/commits/${c.sha}/comments`,
    author: linked,
    committer: linked,
    parents: c.parents.map((sha) => ({
      sha,
      url: `${repoUrl}/commits/${sha}`,
      html_url: `${htmlRepoUrl}/commit/${sha}`,
    })),
  };
}

export function pullObject(
  app: GithubAppState,
  r: RepoRecord,
  p: PullRecord,
  base: string,
  refs: {
    headSha: string;
    baseSha: string;
    commits: number;
    additions: number;
    deletions: number;
    changed_files: number;
  },
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  const url = `${base}/repos/${full}/pulls/${p.number}`;
  const html = `${base}/${full}/pull/${p.number}`;
  const user = p.user ? simpleUser(p.user, base) : botUser(app, base);
  const ownerLogin = r.owner;
  const side = (ref: string, sha: string) => ({
    label: `${ownerLogin}:${ref}`,
    ref,
    sha,
    user: simpleUser(ownerLogin, base, app.accountType(ownerLogin)),
    repo: repoObject(app, r, base),
  });
  return {
    url,
    id: p.id,
    node_id: nodeId("PullRequest", p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${base}/repos/${full}/issues/${p.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    comments_url: `${base}/repos/${full}/issues/${p.number}/comments`,
    statuses_url: `${base}/repos/${full}/statuses/${refs.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user,
    body: p.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    closed_at: null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(p.head, refs.headSha),
    base: side(p.base, refs.baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: `${base}/repos/${full}/issues/${p.number}` },
      commits: { href: `${url}/commits` },
    },
    author_association: p.user && p.user.toLowerCase() === r.owner.toLowerCase() ? "OWNER" : "CONTRIBUTOR",
    auto_merge: null,
    draft: p.draft,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: "unknown",
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: refs.commits,
    additions: refs.additions,
    deletions: refs.deletions,
    changed_files: refs.changed_files,
  };
}
