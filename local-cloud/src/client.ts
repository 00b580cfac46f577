/**
 * Control client for a local-cloud service. Uses only `fetch` (runs in workerd tests too).
 * Pass any URL of the service (e.g. http://127.0.0.1:8701/v1); only its origin is used.
 */

// Type-only imports are erased, so this file still loads nothing but itself in workerd.
import type { AnthropicRequestRecord, Step as AnthropicStep } from "./anthropic/script.ts";
import type { FaultRule } from "./faults.ts";
import type { RecordedRequest } from "./recorder.ts";

export type { AnthropicRequestRecord, AnthropicStep, FaultRule, RecordedRequest };

export interface LocalCloudControl {
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  fault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  state<T = unknown>(): Promise<T>;
}

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;

function caller(serviceBaseUrl: string, fetchImpl: typeof fetch): Call {
  const origin = new URL(serviceBaseUrl).origin;
  return async (method, path, body) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetchImpl(`${origin}/__berth/${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`local-cloud ${method} /__berth/${path} -> ${res.status}: ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
}

export function localCloudControl(
  serviceBaseUrl: string,
  fetchImpl: typeof fetch = fetch,
): LocalCloudControl {
  const call = caller(serviceBaseUrl, fetchImpl);
  return {
    requests: async () => (await call("GET", "requests")) as RecordedRequest[],
    clearRequests: async () => {
      await call("DELETE", "requests");
    },
    fault: async (rule) => {
      await call("POST", "faults", rule);
    },
    clearFaults: async () => {
      await call("DELETE", "faults");
    },
    reset: async () => {
      await call("POST", "reset");
    },
    state: async <T = unknown>() => (await call("GET", "state")) as T,
  };
}

/** Scripting for the Anthropic Messages API stand-in (`/__berth/anthropic/*`). */
export interface AnthropicControl extends LocalCloudControl {
  /** Appends steps to the FIFO queue main conversation requests consume. */
  script(steps: AnthropicStep[]): Promise<void>;
  /** Steps not consumed yet. */
  pending(): Promise<AnthropicStep[]>;
  clearScript(): Promise<void>;
  /** Summaries of the Messages requests received, oldest first (never the key). */
  messages(): Promise<AnthropicRequestRecord[]>;
  clearMessages(): Promise<void>;
}

export function anthropicControl(baseUrl: string, fetchImpl: typeof fetch = fetch): AnthropicControl {
  const call = caller(baseUrl, fetchImpl);
  return {
    ...localCloudControl(baseUrl, fetchImpl),
    script: async (steps) => {
      await call("POST", "anthropic/script", { steps });
    },
    pending: async () => ((await call("GET", "anthropic/script")) as { steps: AnthropicStep[] }).steps,
    clearScript: async () => {
      await call("DELETE", "anthropic/script");
    },
    messages: async () => (await call("GET", "anthropic/requests")) as AnthropicRequestRecord[],
    clearMessages: async () => {
      await call("DELETE", "anthropic/requests");
    },
  };
}

/** A commit as `GET /__berth/repos/:o/:r/commits` reports it. */
export interface GithubCommit {
  sha: string;
  parents: string[];
  author_name: string;
  author_email: string;
  committer_name: string;
  committer_email: string;
  author_date: string;
  message: string;
}

/** The GitHub stand-in's App, as `GET /__berth/app` describes it (private_key: the PEM). */
export interface GithubAppInfo {
  id: number;
  slug: string;
  name: string;
  client_id: string;
  client_secret: string;
  private_key: string;
  permissions: Record<string, string>;
  token_ttl_seconds: number;
  html_url: string;
}

/** Controls of the GitHub stand-in's App, repositories and tokens (`/__berth/app`, `repos`, ...). */
export interface GithubControl extends LocalCloudControl {
  app(): Promise<GithubAppInfo>;
  setApp(change: {
    token_ttl_seconds?: number;
    permissions?: Record<string, string>;
  }): Promise<GithubAppInfo>;
  createRepo(repo: {
    owner: string;
    name: string;
    private?: boolean;
    default_branch?: string;
    description?: string;
    files?: Record<string, string>;
    message?: string;
    author?: { name: string; email: string };
    organization?: boolean;
  }): Promise<{ id: number; full_name: string; clone_url: string }>;
  deleteRepo(owner: string, name: string): Promise<void>;
  commit(
    owner: string,
    name: string,
    c: { branch: string; from?: string; files: Record<string, string>; message?: string },
  ): Promise<string>;
  commits(owner: string, name: string, branch?: string): Promise<GithubCommit[]>;
  install(account: string, repositories?: string[]): Promise<{ id: number }>;
  uninstall(account: string): Promise<void>;
  suspend(account: string, suspended?: boolean): Promise<void>;
  /** Expires (or revokes) one token, every token of an installation, or all tokens. */
  endTokens(how: "expire" | "revoke", which?: { token?: string; installation_id?: number }): Promise<number>;
}

export function githubControl(baseUrl: string, fetchImpl: typeof fetch = fetch): GithubControl {
  const call = caller(baseUrl, fetchImpl);
  const repo = (o: string, n: string) => `repos/${encodeURIComponent(o)}/${encodeURIComponent(n)}`;
  return {
    ...localCloudControl(baseUrl, fetchImpl),
    app: async () => (await call("GET", "app")) as GithubAppInfo,
    setApp: async (change) => (await call("PATCH", "app", change)) as GithubAppInfo,
    createRepo: async (r) =>
      (await call("POST", "repos", r)) as { id: number; full_name: string; clone_url: string },
    deleteRepo: async (o, n) => {
      await call("DELETE", repo(o, n));
    },
    commit: async (o, n, c) => ((await call("POST", `${repo(o, n)}/commits`, c)) as { sha: string }).sha,
    commits: async (o, n, branch) =>
      (
        (await call(
          "GET",
          `${repo(o, n)}/commits${branch ? `?branch=${encodeURIComponent(branch)}` : ""}`,
        )) as { commits: GithubCommit[] }
      ).commits,
    install: async (account, repositories) =>
      (await call("PUT", `installations/${account}`, repositories ? { repositories } : {})) as { id: number },
    uninstall: async (account) => {
      await call("DELETE", `installations/${account}`);
    },
    suspend: async (account, suspended = true) => {
      await call(suspended ? "PUT" : "DELETE", `installations/${account}/suspended`);
    },
    endTokens: async (how, which = {}) =>
      ((await call("POST", `tokens/${how}`, which)) as { count: number }).count,
  };
}
