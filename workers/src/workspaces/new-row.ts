import type { Workspace } from "../db/schema/index.ts";

/** What a caller must decide about a new workspace; everything else starts empty. */
export type NewWorkspaceFields = Pick<
  Workspace,
  | "id"
  | "ownerId"
  | "name"
  | "repoUrl"
  | "branch"
  | "serverType"
  | "location"
  | "idleTimeoutMinutes"
  | "hostname"
  | "idempotencyKey"
  | "hourlyPrice"
> &
  Partial<Pick<Workspace, "githubRepository" | "githubInstallationId" | "mode">>;

/** The columns about a VM, as they are before one exists: a new workspace, and a wake's new VM. */
export const noVmYet = {
  serverId: null,
  ipv4: null,
  serverCreatedAt: null,
  cleanedUpAt: null,
  bootstrapTokenHash: null,
  bootstrapExpiresAt: null,
  bootstrapRedeemedAt: null,
  callbackTokenHash: null,
  runtime: null,
  readyAt: null,
  lastHeartbeatAt: null,
  lastHumanInputAt: null,
  claudeState: null,
  claudeWaitingReason: null,
  openTerminals: null,
} satisfies Partial<Workspace>;

/** A workspace row as it is first stored: `creating`, with nothing on Hetzner or Cloudflare yet. */
export function newWorkspaceRow(fields: NewWorkspaceFields, now: Date): Workspace {
  return {
    githubRepository: null,
    githubInstallationId: null,
    mode: "interactive",
    ...fields,
    state: "creating",
    stateChangedAt: now,
    stateReason: "requested",
    hidden: false,
    ...noVmYet,
    idleWarning: false,
    idleShutdownAt: null,
    endedAt: null,
    lastError: null,
    secretsGeneration: 0,
    secretsAppliedGeneration: 0,
    secretsFetchedAt: null,
    snapshotKeyCiphertext: null,
    restoreSnapshotId: null,
    asleepAt: null,
    sleepSnapshotId: null,
    snapshotRetentionDays: null,
    priorBilledHours: 0,
    priorCostEur: 0,
    githubRevokedAt: null,
    gitBranch: null,
    gitAhead: null,
    gitPushed: null,
    gitReportedAt: null,
    pullRequestUrl: null,
    pullRequestNumber: null,
    pullRequestBranch: null,
    createdAt: now,
    updatedAt: now,
  };
}
