import { z } from "zod";
import { claudeStates, claudeWaitReasons } from "./claude.ts";
import { listeningPortSchema, workspaceSecretsSchema } from "./environment.ts";
import { workspaceGitSchema } from "./git.ts";
import { maxReportedPorts } from "./ports.ts";
import { taskSpecSchema } from "./tasks.ts";

/** Bodies of the VM -> control plane callbacks (paths: callback-paths.ts). */
export const bootstrapResponseSchema = z.object({
  callback_token: z.string().min(20),
  /** The user's Anthropic API key, or null when none is set. */
  claude_api_key: z.string().nullable(),
  /** The owner's secrets for this workspace's repository (environment variables). Absent from
   * secrets files stored by an older agent. */
  user_secrets: workspaceSecretsSchema.default({}),
  /** The GitHub repository and commit identity, when the repo is reached through the GitHub App. */
  git: workspaceGitSchema.nullable().optional(),
  /** On a wake: the verified snapshot to restore before the terminal opens (snapshots.ts). */
  restore: z
    .object({ snapshot_id: z.string().min(1) })
    .nullable()
    .optional(),
  /** A task workspace: the job to run headless once the workspace is ready (tasks.ts). */
  task: taskSpecSchema.nullable().optional(),
});
export type BootstrapResponse = z.infer<typeof bootstrapResponseSchema>;

export const progressRequestSchema = z.object({
  step: z.string().min(1).max(64),
  message: z.string().max(2000),
  /** ISO timestamp on the VM when the step happened. */
  at: z.iso.datetime().optional(),
});
export type ProgressRequest = z.infer<typeof progressRequestSchema>;

export const readyRequestSchema = z.object({
  /** How the terminal runs: inside the devcontainer, or on the host where no Docker engine exists. */
  runtime: z.enum(["devcontainer", "host"]),
});
export type ReadyRequest = z.infer<typeof readyRequestSchema>;

export const heartbeatRequestSchema = z.object({
  /** Last human keystroke on any terminal (ISO), or null if none since boot. */
  last_human_input_at: z.iso.datetime().nullable(),
  claude: z.object({
    state: z.enum(claudeStates),
    waiting_reason: z.enum(claudeWaitReasons).nullable().optional(),
    /** When the working lease last renewed (ISO), or null. */
    last_activity_at: z.iso.datetime().nullable().optional(),
  }),
  open_terminals: z.number().int().min(0).max(1000),
  idle: z.object({
    /** Seconds of idleness so far. */
    idle_seconds: z.number().int().min(0),
    /** True once the idle warning is shown; shutdown follows at `shutdown_at` unless activity returns. */
    warning: z.boolean(),
    shutdown_at: z.iso.datetime().nullable(),
  }),
  /** TCP ports listening in the workspace now (a port missing here stopped listening). */
  ports: z.array(listeningPortSchema).max(maxReportedPorts).optional(),
  /** The workspace repository's branch, for the dashboard's pull-request button. */
  git: z
    .object({
      branch: z.string().max(255).nullable(),
      /** Commits on the branch that its base (the default branch on origin) does not have. */
      ahead: z.number().int().min(0),
      /** True when origin has the branch at exactly HEAD. */
      pushed: z.boolean(),
    })
    .optional(),
  /** The secrets generation (heartbeat response) the agent last applied; absent from older agents. */
  secrets_generation: z.number().int().min(0).optional(),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

export const heartbeatResponseSchema = z.object({
  state: z.string().optional(),
  /** Ports the owner made public: the agent lets requests to them through without a login. */
  public_ports: z.array(z.number().int().min(1).max(65535)).max(65535).default([]),
  /** The owner changed their secrets and asked for a restart of the environment: the agent
   * fetches them again (callbackPaths.secrets) when this differs from what it last applied. */
  secrets_generation: z.number().int().min(0).optional(),
  /** An interactive workspace: the person's unfinished headless prompt (mode "prompt"; tasks.ts), or null. */
  prompt_task: taskSpecSchema.nullable().optional(),
});
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

/** GET callbackPaths.secrets: the owner's current secrets for the workspace's repository (the same
 * choice as bootstrap), and the generation they answer, for the agent to report as applied. */
export const secretsResponseSchema = z.object({
  user_secrets: workspaceSecretsSchema,
  secrets_generation: z.number().int().min(0),
});
export type SecretsResponse = z.infer<typeof secretsResponseSchema>;

/** `boot_failed`: the agent could not bring the workspace up (e.g. the repo cannot be cloned). */
export const shutdownReasons = ["idle", "max_lifetime", "user", "boot_failed"] as const;
export const shutdownRequestSchema = z.object({
  reason: z.enum(shutdownReasons),
  /** What went wrong, for `boot_failed`; shown to the user. */
  detail: z.string().max(2000).optional(),
  /** For a sleep: the verified snapshot the workspace sleeps on (snapshots.ts). */
  snapshot_id: z.string().min(1).optional(),
});
export type ShutdownRequest = z.infer<typeof shutdownRequestSchema>;
