import { ApiError, errorFromResponse, NetworkError } from "./errors.ts";
import type {
  ApiKey,
  CreatedApiKey,
  CreatePullRequestInput,
  CreateTaskInput,
  CreateWorkspaceInput,
  CredentialStatus,
  GitIdentity,
  Me,
  NotificationPreferences,
  PullRequest,
  PushDelivery,
  PushSubscriptionInput,
  RepositoryPage,
  Secret,
  SentTaskMessage,
  ServerTypeCatalog,
  SetSecretInput,
  SignInResponse,
  Task,
  TaskEventsPage,
  TaskPage,
  TerminalToken,
  Usage,
  Workspace,
  WorkspaceDetail,
  WorkspaceEnvironment,
  WorkspaceEvent,
  WorkspacePage,
  WorkspacePort,
} from "./types.ts";

export interface ClientOptions {
  /** Where the API lives; "" means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called for every 401 (the session ended), before the ApiError is thrown. */
  onUnauthorized?: () => void;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type BerthClient = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions = {}) {
  const baseUrl = options.baseUrl ?? "";
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
    const init: RequestInit = { method, headers, credentials: "include" };
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    if (opts.signal) init.signal = opts.signal;
    let res: Response;
    try {
      res = await doFetch(`${baseUrl}${path}`, init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
      throw new NetworkError(cause);
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      if (error.status === 401) options.onUnauthorized?.();
      throw error;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, "bad_response", "The server sent a response that is not JSON.");
    }
  }

  const enc = encodeURIComponent;

  return {
    request,
    me: (signal?: AbortSignal) => request<Me>("GET", "/api/me", { signal }),
    usage: () => request<Usage>("GET", "/api/me/usage"),
    gitIdentity: () => request<GitIdentity>("GET", "/api/me/git-identity"),
    setGitIdentity: (email: string | null) =>
      request<GitIdentity>("PUT", "/api/me/git-identity", { body: { email } }),
    notificationPreferences: () => request<NotificationPreferences>("GET", "/api/me/notifications"),
    setNotificationPreferences: (prefs: NotificationPreferences) =>
      request<NotificationPreferences>("PUT", "/api/me/notifications", { body: prefs }),
    pushPublicKey: () => request<{ public_key: string }>("GET", "/api/push/config").then((c) => c.public_key),
    subscribePush: (subscription: PushSubscriptionInput) =>
      request<{ endpoint: string; created_at: string }>("POST", "/api/push/subscriptions", {
        body: subscription,
      }),
    unsubscribePush: (endpoint: string) =>
      request<void>("DELETE", "/api/push/subscriptions", { body: { endpoint } }),
    sendTestPush: () => request<PushDelivery>("POST", "/api/push/test"),
    signIn: (callbackURL: string) =>
      request<SignInResponse>("POST", "/api/auth/sign-in/social", {
        body: { provider: "github", callbackURL },
      }),
    signOut: () => request<unknown>("POST", "/api/auth/sign-out", { body: {} }),

    listWorkspaces: (query: { includeEnded?: boolean; cursor?: string | null; limit?: number } = {}) => {
      const params = new URLSearchParams();
      if (query.limit) params.set("limit", String(query.limit));
      if (query.cursor) params.set("cursor", query.cursor);
      if (query.includeEnded) params.set("include_ended", "true");
      const qs = params.toString();
      return request<WorkspacePage>("GET", `/api/workspaces${qs ? `?${qs}` : ""}`);
    },
    createWorkspace: (input: CreateWorkspaceInput, idempotencyKey: string) =>
      request<Workspace>("POST", "/api/workspaces", {
        body: input,
        headers: { "idempotency-key": idempotencyKey },
      }),
    getWorkspace: (id: string) => request<WorkspaceDetail>("GET", `/api/workspaces/${enc(id)}`),
    workspaceEvents: (id: string) =>
      request<{ events: WorkspaceEvent[] }>("GET", `/api/workspaces/${enc(id)}/events`),
    stopWorkspace: (id: string) => request<Workspace>("POST", `/api/workspaces/${enc(id)}/stop`),
    wakeWorkspace: (id: string) => request<Workspace>("POST", `/api/workspaces/${enc(id)}/wake`),
    deleteWorkspace: (id: string) => request<Workspace>("DELETE", `/api/workspaces/${enc(id)}`),
    terminalToken: (id: string) =>
      request<TerminalToken>("POST", `/api/workspaces/${enc(id)}/terminal-token`),

    createPullRequest: (id: string, input: CreatePullRequestInput) =>
      request<PullRequest>("POST", `/api/workspaces/${enc(id)}/pull-request`, { body: input }),
    listRepositories: (query: { q?: string; cursor?: string | null } = {}, signal?: AbortSignal) => {
      const params = new URLSearchParams();
      if (query.q) params.set("q", query.q);
      if (query.cursor) params.set("cursor", query.cursor);
      const qs = params.toString();
      return request<RepositoryPage>(
        "GET",
        `/api/repositories${qs ? `?${qs}` : ""}`,
        signal ? { signal } : {},
      );
    },

    serverTypes: () => request<ServerTypeCatalog>("GET", "/api/server-types"),
    credentials: () => request<CredentialStatus>("GET", "/api/credentials"),
    setClaudeKey: (apiKey: string) =>
      request<CredentialStatus>("PUT", "/api/credentials/claude", { body: { api_key: apiKey } }),
    clearClaudeKey: () => request<void>("DELETE", "/api/credentials/claude"),
    listSecrets: () => request<{ secrets: Secret[] }>("GET", "/api/secrets"),
    setSecret: (name: string, input: SetSecretInput) =>
      request<Secret>("PUT", `/api/secrets/${enc(name)}`, { body: input }),
    deleteSecret: (name: string) => request<void>("DELETE", `/api/secrets/${enc(name)}`),
    workspacePorts: (id: string) =>
      request<{ ports: WorkspacePort[] }>("GET", `/api/workspaces/${enc(id)}/ports`),
    restartEnvironment: (id: string) =>
      request<WorkspaceEnvironment>("POST", `/api/workspaces/${enc(id)}/environment/restart`),
    setPortVisibility: (id: string, port: number, visibility: WorkspacePort["visibility"]) =>
      request<WorkspacePort>("PUT", `/api/workspaces/${enc(id)}/ports/${port}`, { body: { visibility } }),

    listTasks: (query: { cursor?: string | null; limit?: number } = {}) => {
      const params = new URLSearchParams();
      if (query.limit) params.set("limit", String(query.limit));
      if (query.cursor) params.set("cursor", query.cursor);
      const qs = params.toString();
      return request<TaskPage>("GET", `/api/tasks${qs ? `?${qs}` : ""}`);
    },
    createTask: (input: CreateTaskInput, idempotencyKey: string) =>
      request<Task>("POST", "/api/tasks", { body: input, headers: { "idempotency-key": idempotencyKey } }),
    getTask: (id: string) => request<Task>("GET", `/api/tasks/${enc(id)}`),
    taskEvents: (id: string, cursor: number, signal?: AbortSignal) =>
      request<TaskEventsPage>(
        "GET",
        `/api/tasks/${enc(id)}/events?cursor=${cursor}&limit=500`,
        signal ? { signal } : {},
      ),
    /** The same events as server-sent events (for EventSource; it sends the cookie itself). */
    taskEventsStreamUrl: (id: string, cursor: number) =>
      `${baseUrl}/api/tasks/${enc(id)}/events?cursor=${cursor}`,
    sendTaskMessage: (id: string, text: string) =>
      request<SentTaskMessage>("POST", `/api/tasks/${enc(id)}/messages`, { body: { text } }),
    cancelTask: (id: string) => request<Task>("POST", `/api/tasks/${enc(id)}/cancel`),
    deleteTask: (id: string) => request<Task>("DELETE", `/api/tasks/${enc(id)}`),

    listApiKeys: () => request<{ api_keys: ApiKey[] }>("GET", "/api/keys"),
    createApiKey: (name: string) => request<CreatedApiKey>("POST", "/api/keys", { body: { name } }),
    revokeApiKey: (id: string) => request<void>("DELETE", `/api/keys/${enc(id)}`),
  };
}
