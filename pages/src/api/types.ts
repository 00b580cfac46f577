/**
 * Names for the Berth REST API's shapes. Every one derives from schema.d.ts, generated from the
 * OpenAPI document the Worker serves (`pnpm gen:api`), so a change of the API breaks the build here.
 */
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

// Tasks (issue #15).
export type Task = Schemas["Task"];
export type TaskStatus = Task["status"];
export type TaskMessage = Schemas["TaskMessage"];
export type TaskPage = JsonOf<"listTasks", 200>;
export type TaskEventsPage = Schemas["TaskEventsPage"];
/** One line of a task's timeline (protocol/src/tasks.ts taskEventSchema). */
export type TaskEvent = TaskEventsPage["events"][number];
export type TaskEventKind = TaskEvent["kind"];
export type CreateTaskInput = Schemas["CreateTask"];
export type SentTaskMessage = Schemas["TaskFollowUpAccepted"];
/** GET/PUT /api/me/notifications: each kind of push notification on or off. */
export type NotificationPreferences = Schemas["NotificationPreferences"];
/** What POST /api/push/subscriptions takes: the browser's PushSubscription JSON. */
export type PushSubscriptionInput = Schemas["PushSubscriptionInput"];
/** POST /api/push/test: what the push services answered. */
export type PushDelivery = Schemas["PushDelivery"];
