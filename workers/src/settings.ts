import type { Env } from "./env.ts";

/** Numbers and policies derived from the environment, with the defaults Berth ships with. */
export interface Settings {
  maxLiveWorkspacesPerUser: number;
  defaultIdleTimeoutMinutes: number;
  idleGraceMinutes: number;
  maxLifetimeMs: number;
  heartbeatTimeoutMs: number;
  bootstrapTokenTtlMs: number;
  /** How long a workspace may sit in each transitional state before it is failed. */
  deadlinesMs: { creating: number; provisioning: number; booting: number };
  /** Untracked cloud resources younger than this may be a create in flight, not an orphan. */
  orphanGraceMs: number;
  hetznerImage: string;
  workspaceScheme: string;
  workspacePort: string | null;
  tlsIssuer: "acme" | "zerossl" | "internal";
  /** ANTHROPIC_BASE_URL for Claude Code on the VMs; null = Claude Code's default. */
  anthropicBaseUrl: string | null;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function settingsFrom(env: Env): Settings {
  const minute = 60_000;
  const issuer = env.WORKSPACE_TLS_ISSUER;
  return {
    maxLiveWorkspacesPerUser: positive(env.MAX_LIVE_WORKSPACES_PER_USER, 5),
    defaultIdleTimeoutMinutes: positive(env.DEFAULT_IDLE_TIMEOUT_MINUTES, 30),
    idleGraceMinutes: positive(env.IDLE_GRACE_MINUTES, 2),
    maxLifetimeMs: positive(env.MAX_LIFETIME_HOURS, 12) * 60 * minute,
    heartbeatTimeoutMs: positive(env.HEARTBEAT_TIMEOUT_MINUTES, 5) * minute,
    bootstrapTokenTtlMs: 15 * minute,
    deadlinesMs: { creating: 5 * minute, provisioning: 10 * minute, booting: 20 * minute },
    orphanGraceMs: 5 * minute,
    hetznerImage: env.HETZNER_IMAGE ?? "ubuntu-24.04",
    workspaceScheme: env.WORKSPACE_SCHEME ?? "https",
    workspacePort: env.WORKSPACE_PORT || null,
    tlsIssuer: issuer === "zerossl" || issuer === "internal" ? issuer : "acme",
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL?.trim() || null,
  };
}
