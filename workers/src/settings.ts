import type { Env } from "./env.ts";

/** Numbers and policies derived from the environment, with the defaults Berth ships with. */
export interface Settings {
  maxLiveWorkspacesPerUser: number;
  /** Live workspaces across all users. */
  maxLiveWorkspaces: number;
  /** Server types a workspace may use. */
  allowedServerTypes: string[];
  /** € a user's workspaces may cost per calendar month (UTC); null = no budget. */
  monthlyBudgetEur: number | null;
  maxApiKeysPerUser: number;
  defaultIdleTimeoutMinutes: number;
  idleGraceMinutes: number;
  maxLifetimeMs: number;
  heartbeatTimeoutMs: number;
  bootstrapTokenTtlMs: number;
  /** How long a workspace may sit in each transitional state before it is failed. */
  deadlinesMs: { creating: number; provisioning: number; booting: number; waking: number; sleeping: number };
  /** Untracked cloud resources younger than this may be a create in flight, not an orphan. */
  orphanGraceMs: number;
  hetznerImage: string;
  workspaceScheme: string;
  workspacePort: string | null;
  tlsIssuer: "acme" | "zerossl" | "internal";
  snapshots: {
    maxBytes: number;
    partBytes: number;
    retentionDays: number;
    checkpointsKept: number;
    /** An upload with no part stored for this long is abandoned: its objects are deleted. */
    abandonAfterMs: number;
    /** An R2 object no snapshot part claims, older than this, is an orphan (not an upload in flight). */
    orphanGraceMs: number;
    /** The dashboard warns this long before an asleep workspace's snapshots expire. */
    expiryWarningMs: number;
  };
  /** ANTHROPIC_BASE_URL for Claude Code on the VMs; null = Claude Code's default. */
  anthropicBaseUrl: string | null;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Small, cheap types (2-4 vCPU): a workspace runs a devcontainer and an agent, not a build farm. */
export const defaultAllowedServerTypes = ["cx23", "cx33", "cax11", "cax21"];

function names(value: string | undefined): string[] | null {
  const list = (value ?? "")
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  return list.length > 0 ? list : null;
}

export function settingsFrom(env: Env): Settings {
  const minute = 60_000;
  const issuer = env.WORKSPACE_TLS_ISSUER;
  return {
    maxLiveWorkspacesPerUser: positive(env.MAX_LIVE_WORKSPACES_PER_USER, 5),
    maxLiveWorkspaces: positive(env.MAX_LIVE_WORKSPACES, 20),
    allowedServerTypes: names(env.ALLOWED_SERVER_TYPES) ?? defaultAllowedServerTypes,
    monthlyBudgetEur: env.MONTHLY_BUDGET_EUR ? positive(env.MONTHLY_BUDGET_EUR, 0) || null : null,
    maxApiKeysPerUser: positive(env.MAX_API_KEYS_PER_USER, 25),
    defaultIdleTimeoutMinutes: positive(env.DEFAULT_IDLE_TIMEOUT_MINUTES, 30),
    idleGraceMinutes: positive(env.IDLE_GRACE_MINUTES, 2),
    maxLifetimeMs: positive(env.MAX_LIFETIME_HOURS, 12) * 60 * minute,
    heartbeatTimeoutMs: positive(env.HEARTBEAT_TIMEOUT_MINUTES, 5) * minute,
    bootstrapTokenTtlMs: 15 * minute,
    deadlinesMs: {
      creating: 5 * minute,
      provisioning: 10 * minute,
      booting: 20 * minute,
      waking: 5 * minute,
      sleeping: positive(env.SLEEP_DEADLINE_MINUTES, 15) * minute,
    },
    orphanGraceMs: 5 * minute,
    hetznerImage: env.HETZNER_IMAGE ?? "ubuntu-24.04",
    workspaceScheme: env.WORKSPACE_SCHEME ?? "https",
    workspacePort: env.WORKSPACE_PORT || null,
    tlsIssuer: issuer === "zerossl" || issuer === "internal" ? issuer : "acme",
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL?.trim() || null,
    snapshots: {
      maxBytes: Math.floor(positive(env.SNAPSHOT_MAX_BYTES, 2 * 1024 ** 3)),
      // Each part is held in memory twice (plain and sealed) while it is encrypted: keep it small.
      partBytes: Math.floor(Math.min(positive(env.SNAPSHOT_PART_BYTES, 16 * 1024 ** 2), 64 * 1024 ** 2)),
      retentionDays: positive(env.SNAPSHOT_RETENTION_DAYS, 30),
      checkpointsKept: Math.floor(positive(env.SNAPSHOT_CHECKPOINTS_KEPT, 3)),
      abandonAfterMs: 60 * minute,
      orphanGraceMs: 60 * minute,
      expiryWarningMs: 3 * 24 * 60 * minute,
    },
  };
}
