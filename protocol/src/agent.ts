/**
 * What the VM agent imports: constants and types only, never a zod schema. Loading zod (the
 * schemas build themselves at import) costs the compiled agent ~10 MB of resident memory on every
 * VM; the agent checks its config and the control plane's answers with vm-agent/src/checks/, which
 * a test holds to the same answers as the schemas here.
 */
export type { AgentConfig } from "./agent-config.ts";
export * from "./agent-paths.ts";
export * from "./callback-paths.ts";
export type {
  BootstrapResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  ProgressRequest,
  ReadyRequest,
  SecretsResponse,
  ShutdownRequest,
} from "./callbacks.ts";
export * from "./claude.ts";
export type { ListeningPort, WorkspaceSecrets } from "./environment.ts";
export * from "./errors.ts";
export type { GitCredentialsResponse, WorkspaceGit } from "./git.ts";
export * from "./ports.ts";
export * from "./secret-names.ts";
export * from "./snapshot-kinds.ts";
export type {
  SnapshotCompleteRequest,
  SnapshotCreated,
  SnapshotCreateRequest,
  SnapshotManifest,
  SnapshotPart,
  SnapshotTooLarge,
} from "./snapshots.ts";
export * from "./task-kinds.ts";
export type {
  TaskEvent,
  TaskEventsRequest,
  TaskFileChange,
  TaskMessage,
  TaskMessagesResponse,
  TaskResultRequest,
  TaskSpec,
  TaskTokens,
} from "./tasks.ts";
export * from "./terminal-token.ts";
