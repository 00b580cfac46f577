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
  type HeartbeatRequest,
  type HeartbeatResponse,
  maxReportedPorts,
  type ProgressRequest,
  type ReadyRequest,
  type SecretsResponse,
  type ShutdownRequest,
  secretNamePattern,
} from "@berth/protocol/agent";
import {
  array,
  boolean,
  type Check,
  int,
  isoDatetime,
  nullable,
  object,
  oneOf,
  optional,
  parser,
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
  listen: object({ host: string(), port: positive }),
  data_dir: string({ min: 1 }),
  anthropic_base_url: optional(url({ http: true })),
});

const bootstrapResponse = object({
  callback_token: string({ min: 20 }),
  claude_api_key: nullable(string()),
  user_secrets: withDefault(recordOf(secretNamePattern, string()), {}),
  git: optional(
    nullable(
      object({
        repository: string({ min: 3 }),
        origin: url({ http: true }),
        user_name: string({ min: 1, max: 255 }),
        user_email: string({ min: 3 }),
      }),
    ),
  ),
  restore: optional(nullable(object({ snapshot_id: string({ min: 1 }) }))),
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

export const agentConfigCheck = parser(pinned<AgentConfig>()(agentConfig));
export const bootstrapResponseCheck = parser(pinned<BootstrapResponse>()(bootstrapResponse));
export const progressRequestCheck = parser(pinned<ProgressRequest>()(progressRequest));
export const readyRequestCheck = parser(pinned<ReadyRequest>()(readyRequest));
export const heartbeatRequestCheck = parser(pinned<HeartbeatRequest>()(heartbeatRequest));
export const heartbeatResponseCheck = parser(pinned<HeartbeatResponse>()(heartbeatResponse));
export const secretsResponseCheck = parser(pinned<SecretsResponse>()(secretsResponse));
export const shutdownRequestCheck = parser(pinned<ShutdownRequest>()(shutdownRequest));

/** Compiles only when the check's output type and the protocol's type are mutually assignable. */
function pinned<T>() {
  return <C extends Check<unknown>>(
    check: C &
      (C extends Check<infer U> ? ([U] extends [T] ? ([T] extends [U] ? unknown : never) : never) : never),
  ): Check<T> => check as unknown as Check<T>;
}
