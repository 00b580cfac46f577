import { createHash, randomBytes } from "node:crypto";
import { type AppKey, generateGithubAppKey, loadAppKey } from "./app-key.ts";
import type { GitStore } from "./git-store.ts";
import type { GithubState } from "./state.ts";
import { findUser } from "./users.ts";

/**
 * The stand-in's one GitHub App: its installations on accounts, the repositories behind them,
 * and the installation access tokens it mints. Tokens are kept only as SHA-256 hashes, so no
 * dump, log or recording can show one.
 */

export type Level = "read" | "write" | "admin";
export type Permissions = Record<string, Level>;

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  description: string | null;
  createdAt: string;
  pushedAt: string;
  /** Logins (lowercase) with write access besides the owner and, for an org, its members. */
  collaborators: Set<string>;
  pulls: PullRecord[];
}

export interface PullRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: "open" | "closed";
  draft: boolean;
  /** Login of the author, or null for the App's bot. */
  user: string | null;
  createdAt: string;
}

export interface InstallationRecord {
  id: number;
  account: string;
  accountType: "User" | "Organization";
  accountId: number;
  selection: "all" | "selected";
  /** For "selected": the repository ids it covers. */
  repoIds: Set<number>;
  permissions: Permissions;
  suspendedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface InstallationTokenRecord {
  installationId: number;
  /** null = every repository of the installation (now and later). */
  repoIds: number[] | null;
  permissions: Permissions;
  expiresAt: number;
  revoked: boolean;
}

export interface GithubAppConfig {
  id?: number;
  slug?: string;
  name?: string;
  /** PEM (PKCS#1 or PKCS#8); generated at start when absent. */
  privateKey?: string;
  /** What the App asks for on installation; default contents, pull requests and emails. */
  permissions?: Permissions;
  /** Lifetime of installation tokens; GitHub: one hour. */
  tokenTtlSeconds?: number;
}

export const DEFAULT_APP_PERMISSIONS: Permissions = {
  contents: "write",
  pull_requests: "write",
  metadata: "read",
  emails: "read",
};

const RANK: Record<Level, number> = { read: 1, write: 2, admin: 3 };

export function levelAllows(granted: string | undefined, wanted: Level): boolean {
  return granted !== undefined && (RANK[granted as Level] ?? 0) >= RANK[wanted];
}

function alnum(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(n)].map((b) => abc[b % abc.length]).join("");
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Stable id of an organization account (also used for its /user/orgs entry). */
export function orgId(org: string): number {
  let hash = 0;
  for (const ch of org.toLowerCase()) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return 9_000_000 + (hash % 1_000_000);
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export class GithubAppState {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly key: AppKey;
  permissions: Permissions;
  tokenTtlSeconds: number;
  readonly createdAt = "2026-01-01T00:00:00Z";
  readonly users: GithubState;
  readonly git: GitStore;
  readonly now: () => number;
  private repos = new Map<string, RepoRecord>();
  private installations = new Map<number, InstallationRecord>();
  private tokens = new Map<string, InstallationTokenRecord>();
  /** What reset goes back to (PATCH /__berth/app changes these). */
  private readonly initial: { permissions: Permissions; tokenTtlSeconds: number };
  private nextRepoId = 700_000_001;
  private nextInstallationId = 50_000_001;
  private nextPullId = 3_000_000_001;

  constructor(cfg: GithubAppConfig, users: GithubState, git: GitStore, now: () => number = () => Date.now()) {
    const client = users.clients[0];
    if (!client) throw new Error("the GitHub App needs an OAuth client (its client id and secret)");
    this.id = cfg.id ?? 4242;
    this.slug = cfg.slug ?? "berth-local";
    this.name = cfg.name ?? "Berth (local)";
    this.clientId = client.clientId;
    this.clientSecret = client.clientSecret;
    this.key = loadAppKey(cfg.privateKey ?? generateGithubAppKey());
    this.permissions = { ...(cfg.permissions ?? DEFAULT_APP_PERMISSIONS) };
    this.tokenTtlSeconds = cfg.tokenTtlSeconds ?? 3600;
    this.initial = { permissions: { ...this.permissions }, tokenTtlSeconds: this.tokenTtlSeconds };
    this.users = users;
    this.git = git;
    this.now = now;
  }

  get botLogin(): string {
    return `${this.slug}[bot]`;
  }

  // --- repositories ---

  repo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  repoById(id: number): RepoRecord | undefined {
    return [...this.repos.values()].find((r) => r.id === id);
  }

  allRepos(): RepoRecord[] {
    return [...this.repos.values()].sort((a, b) => a.id - b.id);
  }

  accountType(login: string): "User" | "Organization" {
    return this.users.isOrg(login) ? "Organization" : "User";
  }

  accountId(login: string): number {
    return this.accountType(login) === "Organization" ? orgId(login) : (findUser(login)?.id ?? orgId(login));
  }

  /** Creates a repository (a real bare git repo) with one commit holding `files` on its default branch. */
  createRepo(input: {
    owner: string;
    name: string;
    private?: boolean;
    defaultBranch?: string;
    description?: string | null;
    files?: Record<string, string>;
    message?: string;
    author?: { name: string; email: string };
  }): RepoRecord {
    const defaultBranch = input.defaultBranch ?? "main";
    this.git.init(input.owner, input.name, defaultBranch);
    const user = findUser(input.owner);
    const author = input.author ?? {
      name: user?.name ?? input.owner,
      email: user?.email ?? `${input.owner}@example.test`,
    };
    const files = input.files ?? { "README.md": `# ${input.name}\n` };
    if (Object.keys(files).length > 0)
      this.git.commit(input.owner, input.name, defaultBranch, {
        files,
        message: input.message ?? "Initial commit",
        author,
      });
    const at = iso(this.now());
    const prior = this.repo(input.owner, input.name);
    const rec: RepoRecord = {
      id: prior?.id ?? this.nextRepoId++,
      owner: input.owner,
      name: input.name,
      private: input.private ?? false,
      defaultBranch,
      description: input.description ?? null,
      createdAt: at,
      pushedAt: at,
      collaborators: new Set(),
      pulls: [],
    };
    this.repos.set(`${input.owner}/${input.name}`.toLowerCase(), rec);
    return rec;
  }

  deleteRepo(owner: string, name: string): boolean {
    const rec = this.repo(owner, name);
    if (!rec) return false;
    this.repos.delete(`${owner}/${name}`.toLowerCase());
    for (const inst of this.installations.values()) inst.repoIds.delete(rec.id);
    this.git.remove(owner, name);
    return true;
  }

  nextPull(repo: RepoRecord): { id: number; number: number } {
    return { id: this.nextPullId++, number: repo.pulls.length + 1 };
  }

  // --- installations ---

  installation(id: number): InstallationRecord | undefined {
    return this.installations.get(id);
  }

  allInstallations(): InstallationRecord[] {
    return [...this.installations.values()].sort((a, b) => a.id - b.id);
  }

  installationOn(account: string): InstallationRecord | undefined {
    return this.allInstallations().find((i) => i.account.toLowerCase() === account.toLowerCase());
  }

  /** The installation covering a repository, if any (suspended ones included). */
  installationFor(repo: RepoRecord): InstallationRecord | undefined {
    const inst = this.installationOn(repo.owner);
    return inst && (inst.selection === "all" || inst.repoIds.has(repo.id)) ? inst : undefined;
  }

  installationRepos(inst: InstallationRecord): RepoRecord[] {
    return this.allRepos().filter(
      (r) =>
        r.owner.toLowerCase() === inst.account.toLowerCase() &&
        (inst.selection === "all" || inst.repoIds.has(r.id)),
    );
  }

  /** Installs the App on an account (or changes which repositories it covers). */
  install(account: string, repositories?: string[]): InstallationRecord | string {
    const ids = new Set<number>();
    for (const name of repositories ?? []) {
      const r = this.repo(account, name);
      if (!r) return `no repository ${account}/${name}`;
      ids.add(r.id);
    }
    const at = iso(this.now());
    const prior = this.installationOn(account);
    const rec: InstallationRecord = {
      id: prior?.id ?? this.nextInstallationId++,
      account: prior?.account ?? findUser(account)?.login ?? account,
      accountType: this.accountType(account),
      accountId: this.accountId(account),
      selection: repositories ? "selected" : "all",
      repoIds: ids,
      permissions: { ...this.permissions },
      suspendedAt: prior?.suspendedAt ?? null,
      createdAt: prior?.createdAt ?? at,
      updatedAt: at,
    };
    this.installations.set(rec.id, rec);
    return rec;
  }

  /** Removes an installation; its tokens stop working at once, as on GitHub. */
  uninstall(id: number): boolean {
    for (const [hash, t] of this.tokens) if (t.installationId === id) this.tokens.delete(hash);
    return this.installations.delete(id);
  }

  setSuspended(id: number, suspended: boolean): boolean {
    const inst = this.installations.get(id);
    if (!inst) return false;
    inst.suspendedAt = suspended ? iso(this.now()) : null;
    return true;
  }

  // --- installation tokens ---

  mintToken(inst: InstallationRecord, repoIds: number[] | null, permissions: Permissions) {
    const token = `ghs_${alnum(36)}`;
    const expiresAt = this.now() + this.tokenTtlSeconds * 1000;
    this.tokens.set(hashToken(token), {
      installationId: inst.id,
      repoIds,
      permissions,
      expiresAt,
      revoked: false,
    });
    return { token, expiresAt: iso(expiresAt) };
  }

  /** A live token's record: not expired, revoked, or orphaned by an uninstall. */
  tokenRecord(token: string): InstallationTokenRecord | undefined {
    const t = this.tokens.get(hashToken(token));
    if (!t || t.revoked || t.expiresAt <= this.now() || !this.installations.has(t.installationId))
      return undefined;
    return t;
  }

  /** Expires or revokes tokens: one (by value), or every token of an installation, or all. */
  endTokens(how: "expire" | "revoke", which: { token?: string; installationId?: number }): number {
    let n = 0;
    for (const [hash, t] of this.tokens) {
      const hit =
        which.token !== undefined
          ? hash === hashToken(which.token)
          : which.installationId === undefined || which.installationId === t.installationId;
      if (!hit) continue;
      if (how === "expire") t.expiresAt = Math.min(t.expiresAt, this.now());
      else t.revoked = true;
      n++;
    }
    return n;
  }

  /** Does the token reach this repository (installation covers it and the token's own restriction)? */
  tokenCovers(t: InstallationTokenRecord, repo: RepoRecord): boolean {
    const inst = this.installations.get(t.installationId);
    if (!inst || this.installationFor(repo)?.id !== inst.id) return false;
    return t.repoIds === null || t.repoIds.includes(repo.id);
  }

  // --- people ---

  /** Whether a person can write to a repository on GitHub itself (owner, org member, collaborator). */
  userCanWrite(login: string, repo: RepoRecord): boolean {
    const l = login.toLowerCase();
    if (repo.owner.toLowerCase() === l) return true;
    if (this.users.isOrgMember(repo.owner, l)) return true;
    return repo.collaborators.has(l);
  }

  /** Installations a person can reach through the App (GET /user/installations). */
  userInstallations(login: string): InstallationRecord[] {
    return this.allInstallations().filter(
      (inst) =>
        inst.account.toLowerCase() === login.toLowerCase() ||
        (inst.accountType === "Organization" && this.users.isOrgMember(inst.account, login)) ||
        this.installationRepos(inst).some((r) => this.userCanWrite(login, r)),
    );
  }

  reset(): void {
    for (const r of this.repos.values()) this.git.remove(r.owner, r.name);
    this.repos.clear();
    this.installations.clear();
    this.tokens.clear();
    this.permissions = { ...this.initial.permissions };
    this.tokenTtlSeconds = this.initial.tokenTtlSeconds;
    this.nextRepoId = 700_000_001;
    this.nextInstallationId = 50_000_001;
    this.nextPullId = 3_000_000_001;
  }

  dump(): Record<string, unknown> {
    return {
      app: {
        id: this.id,
        slug: this.slug,
        client_id: this.clientId,
        token_ttl_seconds: this.tokenTtlSeconds,
      },
      repositories: this.allRepos().map((r) => ({
        id: r.id,
        full_name: `${r.owner}/${r.name}`,
        private: r.private,
        default_branch: r.defaultBranch,
        collaborators: [...r.collaborators],
        pulls: r.pulls.map((p) => ({ number: p.number, head: p.head, base: p.base, state: p.state })),
      })),
      installations: this.allInstallations().map((i) => ({
        id: i.id,
        account: i.account,
        repository_selection: i.selection,
        repository_ids: [...i.repoIds],
        suspended: i.suspendedAt !== null,
      })),
      // Never the tokens themselves: what each can do and until when.
      installation_tokens: [...this.tokens.values()].map((t) => ({
        installation_id: t.installationId,
        repository_ids: t.repoIds,
        permissions: t.permissions,
        expires_at: iso(t.expiresAt),
        revoked: t.revoked,
      })),
    };
  }
}
