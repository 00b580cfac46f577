import type { WorkspaceGit } from "@berth/protocol/agent";
import { type CredentialAttributes, matchesOrigin } from "./credential.ts";
import type { GitTokens } from "./tokens.ts";

/** The request kind on the agent's socket (hooks/server.ts). */
export const gitCredentialKind = "git-credential";

/** What the helper sends: git's operation and the attributes that say where git is going. */
export interface GitCredentialRequest {
  kind: typeof gitCredentialKind;
  operation: "get" | "erase";
  protocol?: string;
  host?: string;
  /** Only with `erase`: the password git says the server refused. */
  password?: string;
}

/** The agent's answer: a credential, a message for the terminal (error), or {} (not ours). */
export interface GitCredentialAnswer {
  username?: string;
  password?: string;
  expires_at?: string;
  error?: string;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The agent's side: answers only for the workspace's origin, and only when it has the App's git. */
export function gitCredentialHandler(
  git: WorkspaceGit | null,
  tokens: GitTokens | null,
): (request: Record<string, unknown>) => Promise<GitCredentialAnswer> {
  return async (request) => {
    if (!git || !tokens) return {};
    const attrs: CredentialAttributes = {};
    const protocol = str(request.protocol);
    const host = str(request.host);
    if (protocol) attrs.protocol = protocol;
    if (host) attrs.host = host;
    if (!matchesOrigin(attrs, git.origin)) return {};
    if (request.operation === "erase") {
      const password = str(request.password);
      if (password) tokens.reject(password);
      return {};
    }
    if (request.operation !== "get") return {};
    const t = await tokens.get();
    if (!t.ok) return { error: t.message };
    return { username: t.username, password: t.password, expires_at: new Date(t.expiresAt).toISOString() };
  };
}
