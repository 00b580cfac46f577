import type { ClaudeState, WorkspaceState } from "@berth/protocol";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { user } from "./auth.ts";

const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

export const workspaces = sqliteTable(
  "workspaces",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** "task": made for a task (tasks.workspace_id), which runs Claude headless in it. */
    mode: text("mode").$type<"interactive" | "task">().notNull().default("interactive"),
    repoUrl: text("repo_url").notNull(),
    branch: text("branch"),
    serverType: text("server_type").notNull(),
    location: text("location").notNull(),
    idleTimeoutMinutes: integer("idle_timeout_minutes").notNull(),
    hostname: text("hostname").notNull(),
    state: text("state").$type<WorkspaceState>().notNull(),
    stateChangedAt: ms("state_changed_at").notNull(),
    /** Why it is stopping, deleted or failed. */
    stateReason: text("state_reason"),
    /** Hidden from listings once the user deletes it; kept until its cloud resources are gone. */
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
    idempotencyKey: text("idempotency_key"),
    serverId: integer("server_id"),
    ipv4: text("ipv4"),
    serverCreatedAt: ms("server_created_at"),
    /** When a deleted or failed workspace's server and DNS records were confirmed gone: after
     * that nothing about it calls Hetzner or Cloudflare again. */
    cleanedUpAt: ms("cleaned_up_at"),
    /** Gross EUR per hour of its server type at creation time. */
    hourlyPrice: real("hourly_price"),
    bootstrapTokenHash: text("bootstrap_token_hash"),
    bootstrapExpiresAt: ms("bootstrap_expires_at"),
    bootstrapRedeemedAt: ms("bootstrap_redeemed_at"),
    callbackTokenHash: text("callback_token_hash"),
    runtime: text("runtime"),
    readyAt: ms("ready_at"),
    lastHeartbeatAt: ms("last_heartbeat_at"),
    lastHumanInputAt: ms("last_human_input_at"),
    claudeState: text("claude_state").$type<ClaudeState>(),
    claudeWaitingReason: text("claude_waiting_reason"),
    openTerminals: integer("open_terminals"),
    idleWarning: integer("idle_warning", { mode: "boolean" }).notNull().default(false),
    idleShutdownAt: ms("idle_shutdown_at"),
    endedAt: ms("ended_at"),
    lastError: text("last_error"),
    /** Bumped by each "restart the environment": the agent fetches the owner's secrets again when
     * this differs from what it last applied (told in the heartbeat's answer). */
    secretsGeneration: integer("secrets_generation").notNull().default(0),
    /** The generation the agent last said it applied (heartbeat). */
    secretsAppliedGeneration: integer("secrets_applied_generation").notNull().default(0),
    /** When the agent last read the secrets after a restart of the environment (null: only at bootstrap). */
    secretsFetchedAt: ms("secrets_fetched_at"),
    /** The per-workspace snapshot key (32 random bytes), sealed under ENCRYPTION_KEY. Only the
     * control plane ever holds it: the VM uploads and restores plain bytes over TLS. */
    snapshotKeyCiphertext: text("snapshot_key_ciphertext"),
    /** During a wake: the verified snapshot the new VM restores (the bootstrap names it). */
    restoreSnapshotId: text("restore_snapshot_id"),
    /** While asleep: when it fell asleep, and the snapshot it sleeps on (null: none exists). */
    asleepAt: ms("asleep_at"),
    sleepSnapshotId: text("sleep_snapshot_id"),
    /** Days its snapshots are kept once asleep; null = SNAPSHOT_RETENTION_DAYS. */
    snapshotRetentionDays: integer("snapshot_retention_days"),
    /** What earlier VMs of this workspace (before a sleep) were billed. */
    priorBilledHours: integer("prior_billed_hours").notNull().default(0),
    priorCostEur: real("prior_cost_eur").notNull().default(0),
    /** "owner/repo" when the repo is reached through the GitHub App; null for a public clone. */
    githubRepository: text("github_repository"),
    githubInstallationId: integer("github_installation_id"),
    /** When minting a token found the installation removed or suspended; cleared by the next success. */
    githubRevokedAt: ms("github_revoked_at"),
    /** The agent's last git report: branch, commits ahead of the default branch, pushed or not. */
    gitBranch: text("git_branch"),
    gitAhead: integer("git_ahead"),
    gitPushed: integer("git_pushed", { mode: "boolean" }),
    gitReportedAt: ms("git_reported_at"),
    /** The newest pull request opened from the dashboard or API. */
    pullRequestUrl: text("pull_request_url"),
    pullRequestNumber: integer("pull_request_number"),
    /** The branch it was opened from: the dashboard offers no second one for it. */
    pullRequestBranch: text("pull_request_branch"),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    index("workspaces_owner_idx").on(t.ownerId, t.createdAt),
    index("workspaces_state_idx").on(t.state),
    uniqueIndex("workspaces_owner_idempotency_idx").on(t.ownerId, t.idempotencyKey),
  ],
);

export const workspaceEvents = sqliteTable(
  "workspace_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    at: ms("at").notNull(),
    /** state, progress, bootstrap, bootstrap_refused, error, shutdown_requested, ... */
    type: text("type").notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("workspace_events_workspace_idx").on(t.workspaceId, t.id)],
);

/** Per-user secrets, encrypted with AES-256-GCM under a Worker secret. */
export const userCredentials = sqliteTable("user_credentials", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  claudeApiKeyCiphertext: text("claude_api_key_ciphertext"),
  claudeApiKeyLast4: text("claude_api_key_last4"),
  updatedAt: ms("updated_at").notNull(),
});

/** A person's choice of commit email (one of their verified GitHub emails); absent = noreply. */
export const userGitSettings = sqliteTable("user_git_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  commitEmail: text("commit_email"),
  updatedAt: ms("updated_at").notNull(),
});

export type Workspace = typeof workspaces.$inferSelect;
export type NewWorkspace = typeof workspaces.$inferInsert;
export type WorkspaceEvent = typeof workspaceEvents.$inferSelect;
