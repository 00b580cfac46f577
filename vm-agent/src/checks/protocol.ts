/**
 * The agent's run-time checks of @berth/protocol's shapes (its config, the control plane's
 * bootstrap answer, and its own callback bodies before sending). Each must accept exactly what
 * the protocol's zod schema accepts: the types are pinned below at compile time, and
 * test/checks/protocol.test.ts runs both over the same valid and invalid inputs.
 */
import {
  type AgentConfig,
  type BootstrapResponse,
  claudeStates,
  claudeWaitReasons,
  type GitCredentialsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  maxReportedPorts,
  type ProgressRequest,
  type ReadyRequest,
  type SecretsResponse,
  type ShutdownRequest,
  type SnapshotCompleteRequest,
  type SnapshotCreated,
  type SnapshotCreateRequest,
  type SnapshotManifest,
  type SnapshotPart,
  type SnapshotTooLarge,
  secretNamePattern,
  snapshotKinds,
  type TaskEventsRequest,
  type TaskMessagesResponse,
  type TaskResultRequest,
  taskEventKinds,
  taskIdPattern,
  taskLimits,
  taskModes,
  taskOutcomes,
  taskPermissionModes,
} from "@berth/protocol/agent";
import {
  array,
  boolean,
  type Check,
  emailPattern,
  finite,
  int,
  isoDatetime,
  nullable,
  object,
  oneOf,
  optional,
  parser,
  pattern,
  record,
  recordOf,
  string,
  url,
  withDefault,
} from "./check.ts";

const positive = int(1);
const port = int(1, 65535);

const agentConfig = object({
  workspace_id: string({ min: 1 }),
  hostname: string({ min: 1 }),
  control_plane_url: url(),
  bootstrap_token: string({ min: 20 }),
  terminal_token_public_key: record,
  repo_url: string({ min: 1 }),
  branch: nullable(string()),
  idle_timeout_seconds: positive,
  idle_grace_seconds: int(0),
  max_lifetime_seconds: positive,
  heartbeat_interval_seconds: withDefault(positive, 60),
  checkpoint_interval_seconds: optional(positive),
  snapshot_keep_ignored: optional(boolean),
  listen: object({ host: string(), port: positive }),
  data_dir: string({ min: 1 }),
  anthropic_base_url: optional(url({ http: true })),
});

/** As protocol's workspaceGitSchema; the agent itself uses only http(s) origins (git/setup.ts). */
const workspaceGit = object({
  repository: string({ pattern: /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/ }),
  origin: url(),
  user_name: string({ min: 1, max: 255 }),
  user_email: string({ pattern: emailPattern }),
});

const gitCredentialsResponse = object({
  username: oneOf(["x-access-token"] as const),
  password: string({ min: 1 }),
  expires_at: isoDatetime,
  repository: string(),
  origin: url(),
});

const taskId = string({ pattern: taskIdPattern });

const taskSpec = object({
  id: taskId,
  prompt: string({ min: 1, max: taskLimits.promptChars }),
  branch: string({ min: 1, max: 255 }),
  base_branch: nullable(string({ min: 1, max: 255 })),
  max_minutes: int(1, taskLimits.maxMinutes),
  permission_mode: oneOf(taskPermissionModes),
  commit_and_push: boolean,
  last_turn: optional(nullable(int(0))),
  last_seq: optional(nullable(int(0))),
  mode: optional(oneOf(taskModes)),
});

const taskTokens = object({
  input: int(0),
  output: int(0),
  cache_read: optional(int(0)),
  cache_creation: optional(int(0)),
});

const taskEvent = object({
  seq: int(1),
  at: isoDatetime,
  turn: int(0),
  kind: oneOf(taskEventKinds),
  text: string({ max: taskLimits.eventTextChars }),
  tool: optional(string({ min: 1, max: 100 })),
  tool_use_id: optional(string({ min: 1, max: 100 })),
  input_summary: optional(string({ max: taskLimits.inputSummaryChars })),
  is_error: optional(boolean),
  files: optional(
    array(
      object({
        path: string({ min: 1, max: 1000 }),
        change: oneOf(["added", "modified", "deleted", "renamed"] as const),
      }),
      { max: taskLimits.eventFiles },
    ),
  ),
  tokens: optional(taskTokens),
  cost_usd: optional(finite(0)),
});

const taskEventsRequest = object({
  task_id: taskId,
  events: array(taskEvent, { min: 1, max: taskLimits.eventsPerBatch }),
});

const taskMessagesResponse = object({
  task_id: taskId,
  messages: array(
    object({ seq: int(1), text: string({ min: 1, max: taskLimits.promptChars }), at: isoDatetime }),
    { max: taskLimits.messagesPerPage },
  ),
});

const taskResultRequest = object({
  task_id: taskId,
  turn: int(0),
  outcome: oneOf(taskOutcomes),
  reason: optional(string({ min: 1, max: 2000 })),
  branch: string({ min: 1, max: 255 }),
  commits: int(0),
  head_sha: nullable(string({ pattern: /^[0-9a-f]{40,64}$/ })),
  pushed: boolean,
  summary: string({ max: taskLimits.summaryChars }),
  tokens: optional(taskTokens),
  cost_usd: optional(finite(0)),
});

const bootstrapResponse = object({
  callback_token: string({ min: 20 }),
  claude_api_key: nullable(string()),
  user_secrets: withDefault(recordOf(secretNamePattern, string()), {}),
  git: optional(nullable(workspaceGit)),
  restore: optional(nullable(object({ snapshot_id: string({ min: 1 }) }))),
  task: optional(nullable(taskSpec)),
});

const progressRequest = object({
  step: string({ min: 1, max: 64 }),
  message: string({ max: 2000 }),
  at: optional(isoDatetime),
});

const readyRequest = object({ runtime: oneOf(["devcontainer", "host"] as const) });

const listeningPort = object({
  port,
  process: nullable(string({ max: 64 })),
  first_seen_at: isoDatetime,
});

const heartbeatRequest = object({
  last_human_input_at: nullable(isoDatetime),
  claude: object({
    state: oneOf(claudeStates),
    waiting_reason: optional(nullable(oneOf(claudeWaitReasons))),
    last_activity_at: optional(nullable(isoDatetime)),
  }),
  open_terminals: int(0, 1000),
  idle: object({ idle_seconds: int(0), warning: boolean, shutdown_at: nullable(isoDatetime) }),
  ports: optional(array(listeningPort, { max: maxReportedPorts })),
  git: optional(object({ branch: nullable(string({ max: 255 })), ahead: int(0), pushed: boolean })),
  secrets_generation: optional(int(0)),
});

const heartbeatResponse = object({
  state: optional(string()),
  public_ports: withDefault(array(port, { max: 65535 }), []),
  secrets_generation: optional(int(0)),
  prompt_task: optional(nullable(taskSpec)),
});

const secretsResponse = object({
  user_secrets: recordOf(secretNamePattern, string()),
  secrets_generation: int(0),
});

const shutdownRequest = object({
  reason: oneOf(["idle", "max_lifetime", "user", "boot_failed"] as const),
  detail: optional(string({ max: 2000 })),
  snapshot_id: optional(string({ min: 1 })),
});

const sha256Hex = pattern(/^[0-9a-f]{64}$/);

const snapshotCreateRequest = object({ kind: oneOf(snapshotKinds) });

const snapshotCreated = object({
  snapshot_id: string({ min: 1 }),
  part_size: positive,
  max_bytes: positive,
});

const snapshotPart = object({ n: int(0), size: int(0), sha256: sha256Hex });

const snapshotCompleteShape = {
  size: int(0),
  sha256: sha256Hex,
  parts: array(snapshotPart, { min: 1, max: 10_000 }),
};
const snapshotCompleteRequest = object(snapshotCompleteShape);

const snapshotManifest = object({
  ...snapshotCompleteShape,
  snapshot_id: string(),
  kind: oneOf(snapshotKinds),
  created_at: isoDatetime,
});

const snapshotTooLarge = object({
  size: int(0),
  max_bytes: positive,
  biggest: array(object({ path: string(), bytes: int(0) }), { max: 20 }),
});

export const agentConfigCheck = parser(pinned<AgentConfig>()(agentConfig));
export const bootstrapResponseCheck = parser(pinned<BootstrapResponse>()(bootstrapResponse));
export const gitCredentialsResponseCheck = parser(pinned<GitCredentialsResponse>()(gitCredentialsResponse));
export const progressRequestCheck = parser(pinned<ProgressRequest>()(progressRequest));
export const readyRequestCheck = parser(pinned<ReadyRequest>()(readyRequest));
export const heartbeatRequestCheck = parser(pinned<HeartbeatRequest>()(heartbeatRequest));
export const heartbeatResponseCheck = parser(pinned<HeartbeatResponse>()(heartbeatResponse));
export const secretsResponseCheck = parser(pinned<SecretsResponse>()(secretsResponse));
export const shutdownRequestCheck = parser(pinned<ShutdownRequest>()(shutdownRequest));
export const snapshotCreateRequestCheck = parser(pinned<SnapshotCreateRequest>()(snapshotCreateRequest));
export const snapshotCreatedCheck = parser(pinned<SnapshotCreated>()(snapshotCreated));
export const snapshotPartCheck = parser(pinned<SnapshotPart>()(snapshotPart));
export const snapshotCompleteRequestCheck = parser(
  pinned<SnapshotCompleteRequest>()(snapshotCompleteRequest),
);
export const snapshotManifestCheck = parser(pinned<SnapshotManifest>()(snapshotManifest));
export const snapshotTooLargeCheck = parser(pinned<SnapshotTooLarge>()(snapshotTooLarge));
export const taskEventsRequestCheck = parser(pinned<TaskEventsRequest>()(taskEventsRequest));
export const taskMessagesResponseCheck = parser(pinned<TaskMessagesResponse>()(taskMessagesResponse));
export const taskResultRequestCheck = parser(pinned<TaskResultRequest>()(taskResultRequest));

/** Compiles only when the check's output type and the protocol's type are mutually assignable. */
function pinned<T>() {
  return <C extends Check<unknown>>(
    check: C &
      (C extends Check<infer U> ? ([U] extends [T] ? ([T] extends [U] ? unknown : never) : never) : never),
  ): Check<T> => check as unknown as Check<T>;
}
