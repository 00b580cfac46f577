/**
 * Names for the Berth REST API's shapes. Every one derives from schema.d.ts, generated from the
 * OpenAPI document the Worker serves (`pnpm gen:api`), so a change of the API breaks the build here.
 */
import type { TaskEvent, TaskPermissionMode } from "@berth/protocol";
import type { WorkspaceState } from "@berth/protocol/workspace";
import type { components, operations } from "./schema.d.ts";

// The lifecycle's states come from the shared protocol package (zod-free entry), never a copy.
export { type WorkspaceState, workspaceStates } from "@berth/protocol/workspace";

type Schemas = components["schemas"];
/** The JSON body of an operation's response with the given status. */
type JsonOf<
  Op extends keyof operations,
  Status extends keyof operations[Op]["responses"],
> = operations[Op]["responses"][Status] extends { content: { "application/json": infer Body } }
  ? Body
  : never;

export type Me = Schemas["User"];
export type Workspace = Schemas["Workspace"];
export type Cost = Workspace["cost"];
export type WorkspaceDetail = Schemas["WorkspaceDetail"];
export type AgentStatus = WorkspaceDetail["agent"];
export type WorkspaceEvent = Schemas["WorkspaceEvent"];
export type WorkspacePage = JsonOf<"listWorkspaces", 200>;
export type CreateWorkspaceInput = Schemas["CreateWorkspace"];
export type TerminalToken = Schemas["TerminalToken"];
export type CredentialStatus = Schemas["Credentials"];
export type ApiKey = Schemas["ApiKey"];
export type Secret = Schemas["Secret"];
export type SetSecretInput = Schemas["SetSecret"];
export type WorkspacePort = Schemas["WorkspacePort"];
export type WorkspaceEnvironment = Schemas["WorkspaceEnvironment"];
export type CreatedApiKey = Schemas["CreatedApiKey"];
export type ErrorDetail = NonNullable<Schemas["Error"]["error"]["details"]>[number];
/** GET /api/server-types: what Hetzner sells now, cheapest first. */
export type ServerTypeCatalog = JsonOf<"listServerTypes", 200>;
export type SignInResponse = JsonOf<"signIn", 200>;
/** GET /api/me/usage: this month's spend against the budget, and the user's limits. */
export type Usage = Schemas["Usage"];
/** The repository's git status and the GitHub App's access to it (WorkspaceDetail.git). */
export type WorkspaceGit = Schemas["WorkspaceGit"];
/** GET /api/repositories: what the person reaches through the GitHub App's installations. */
export type Repository = Schemas["Repository"];
export type RepositoryPage = JsonOf<"listRepositories", 200>;
export type CreatePullRequestInput = Schemas["CreatePullRequest"];
export type PullRequest = JsonOf<"createPullRequest", 201>;
/** GET /api/me/git-identity: who commits in the person's workspaces. */
export type GitIdentity = Schemas["GitIdentity"];

// Tasks (issue #15). Until the Worker's OpenAPI document describes them, these follow the agreed
// shape (TASKS-API.md); the timeline's events are the protocol's own type either way.
// Type-only: the protocol's zod schemas stay out of the bundle.
export type { TaskEvent, TaskEventKind, TaskFileChange } from "@berth/protocol";

export type TaskStatus = "starting" | "running" | "succeeded" | "failed" | "canceled";
export interface TaskMessage {
  seq: number;
  text: string;
  at: string;
  state: "pending" | "running" | "done";
}
export interface Task {
  id: string;
  /** "prompt": one headless turn sent to an interactive workspace (no branch of its own, no PR). */
  kind: "task" | "prompt";
  workspace_id: string;
  repo: string;
  prompt: string;
  base_branch: string | null;
  branch: string;
  status: TaskStatus;
  reason: string | null;
  turns: number;
  messages: TaskMessage[];
  pr: { number: number; url: string } | null;
  commits: number;
  head_sha: string | null;
  pushed: boolean;
  summary: string;
  tokens: { input: number; output: number };
  claude_cost_usd: number;
  vm_cost_eur: number;
  max_minutes: number;
  permission_mode: TaskPermissionMode;
  when_done: "sleep" | "delete";
  workspace_state: WorkspaceState;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
export interface TaskPage {
  tasks: Task[];
  next_cursor: string | null;
}
export interface TaskEventsPage {
  events: TaskEvent[];
  next_cursor: number;
  done: boolean;
}
export interface CreateTaskInput {
  repo: string;
  prompt: string;
  base_branch?: string;
  server_type?: string;
  max_minutes?: number;
  permission_mode?: TaskPermissionMode;
  when_done?: "sleep" | "delete";
}
export interface SentTaskMessage {
  seq: number;
  text: string;
  at: string;
}
