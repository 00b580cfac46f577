import { randomBytes } from "node:crypto";

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
  private readonly now: () => number;

  constructor(clients: GithubClient[], now: () => number = () => Date.now()) {
    this.clients = clients.map((c) => ({ ...c }));
    this.now = now;
  }

  client(clientId: string | null | undefined): GithubClient | undefined {
    return this.clients.find((c) => c.clientId === clientId);
  }

  issueCode(clientId: string, redirectUri: string, scope: string, login: string): string {
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, {
      clientId,
      redirectUri,
      scope,
      login,
      expiresAt: this.now() + CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /** Redeems a code once; returns the error GitHub would answer or the new token. */
  redeem(
    code: string,
    clientId: string,
    redirectUri: string | undefined,
  ): { token: string; record: TokenRecord } | { error: "bad_verification_code" | "redirect_uri_mismatch" } {
    const c = this.codes.get(code);
    if (!c || c.used || c.expiresAt < this.now() || c.clientId !== clientId)
      return { error: "bad_verification_code" };
    if (redirectUri && redirectUri !== c.redirectUri) return { error: "redirect_uri_mismatch" };
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
  }

  dump(): Record<string, unknown> {
    return {
      clients: this.clients.map((c) => ({ clientId: c.clientId })),
      codes: [...this.codes.entries()].map(([code, c]) => ({ code, ...c })),
      tokens: [...this.tokens.values()].map((t) => ({ ...t })),
    };
  }
}
