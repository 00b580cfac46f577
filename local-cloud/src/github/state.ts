import { createHash, randomBytes } from "node:crypto";

export interface GithubClient {
  clientId: string;
  clientSecret: string;
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  login: string;
  expiresAt: number;
  used: boolean;
  /** PKCE (RFC 7636): the challenge sent to authorize, checked against code_verifier on exchange. */
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
}

/** What a test can change about a stand-in user's primary email. */
export interface EmailOverride {
  email?: string;
  verified: boolean;
}

/** S256: BASE64URL(SHA256(verifier)), without padding. */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export interface TokenRecord {
  login: string;
  scope: string;
  clientId: string;
}

export const CODE_TTL_MS = 10 * 60 * 1000;

function alnum(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(n)].map((b) => abc[b % abc.length]).join("");
}

/** GitHub normalises requested scopes (space or comma separated) to a comma-joined list. */
export function normalizeScope(scope: string | null | undefined): string {
  return (scope ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(",");
}

export class GithubState {
  readonly clients: GithubClient[];
  private codes = new Map<string, CodeRecord>();
  private tokens = new Map<string, TokenRecord>();
  /** org (lowercase) -> member login -> whether the membership is public. */
  private orgs = new Map<string, Map<string, boolean>>();
  private emails = new Map<string, EmailOverride>();
  private readonly now: () => number;

  constructor(clients: GithubClient[], now: () => number = () => Date.now()) {
    this.clients = clients.map((c) => ({ ...c }));
    this.now = now;
  }

  client(clientId: string | null | undefined): GithubClient | undefined {
    return this.clients.find((c) => c.clientId === clientId);
  }

  issueCode(
    clientId: string,
    redirectUri: string,
    scope: string,
    login: string,
    pkce?: { challenge: string; method: "S256" | "plain" },
  ): string {
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, {
      clientId,
      redirectUri,
      scope,
      login,
      expiresAt: this.now() + CODE_TTL_MS,
      used: false,
      ...(pkce ? { codeChallenge: pkce.challenge, codeChallengeMethod: pkce.method } : {}),
    });
    return code;
  }

  /** Puts a user in an organization (GitHub logins and org names are case-insensitive). */
  addOrgMember(org: string, login: string, isPublic = false): void {
    const key = org.toLowerCase();
    const members = this.orgs.get(key) ?? new Map<string, boolean>();
    members.set(login.toLowerCase(), isPublic);
    this.orgs.set(key, members);
  }

  /** Makes `org` an organization even before anyone is in it (repositories and App installations). */
  declareOrg(org: string): void {
    const key = org.toLowerCase();
    if (!this.orgs.has(key)) this.orgs.set(key, new Map());
  }

  isOrg(name: string): boolean {
    return this.orgs.has(name.toLowerCase());
  }

  isOrgMember(org: string, login: string): boolean {
    return this.orgs.get(org.toLowerCase())?.has(login.toLowerCase()) ?? false;
  }

  removeOrgMember(org: string, login: string): void {
    this.orgs.get(org.toLowerCase())?.delete(login.toLowerCase());
  }

  /** The orgs a user belongs to, sorted by name; `publicOnly` without the read:org scope. */
  orgsOf(login: string, publicOnly: boolean): string[] {
    const name = login.toLowerCase();
    return [...this.orgs.entries()]
      .filter(([, members]) => members.has(name) && (!publicOnly || members.get(name) === true))
      .map(([org]) => org)
      .sort();
  }

  setEmail(login: string, override: EmailOverride): void {
    this.emails.set(login.toLowerCase(), override);
  }

  emailOverride(login: string): EmailOverride | undefined {
    return this.emails.get(login.toLowerCase());
  }

  /** Redeems a code once; returns the error GitHub would answer or the new token. */
  redeem(
    code: string,
    clientId: string,
    redirectUri: string | undefined,
    codeVerifier?: string,
  ):
    | { token: string; record: TokenRecord }
    | { error: "bad_verification_code" | "redirect_uri_mismatch" | "pkce_mismatch" } {
    const c = this.codes.get(code);
    if (!c || c.used || c.expiresAt < this.now() || c.clientId !== clientId)
      return { error: "bad_verification_code" };
    if (redirectUri && redirectUri !== c.redirectUri) return { error: "redirect_uri_mismatch" };
    if (c.codeChallenge !== undefined) {
      const derived = c.codeChallengeMethod === "plain" ? codeVerifier : s256(codeVerifier ?? "");
      if (!codeVerifier || derived !== c.codeChallenge) return { error: "pkce_mismatch" };
    }
    c.used = true;
    const token = `gho_${alnum(36)}`;
    const record = { login: c.login, scope: c.scope, clientId };
    this.tokens.set(token, record);
    return { token, record };
  }

  tokenInfo(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Mints a token directly (for tests that skip the browser flow). */
  mintToken(
    login: string,
    scope = "read:user,user:email",
    clientId = this.clients[0]?.clientId ?? "",
  ): string {
    const token = `gho_${alnum(36)}`;
    this.tokens.set(token, { login, scope, clientId });
    return token;
  }

  reset(): void {
    this.codes.clear();
    this.tokens.clear();
    this.orgs.clear();
    this.emails.clear();
  }

  dump(): Record<string, unknown> {
    return {
      clients: this.clients.map((c) => ({ clientId: c.clientId })),
      codes: [...this.codes.entries()].map(([code, c]) => ({ code, ...c })),
      tokens: [...this.tokens.values()].map((t) => ({ ...t })),
      orgs: Object.fromEntries([...this.orgs.entries()].map(([org, m]) => [org, [...m.keys()].sort()])),
    };
  }
}
