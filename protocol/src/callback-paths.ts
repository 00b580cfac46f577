/**
 * The VM -> control plane callback protocol. Every path is under the workspace id; the bearer token
 * is the one-time bootstrap token for `bootstrap` and the per-workspace callback token otherwise.
 * A token for one workspace is refused (401) for every other, and so is any token for an unknown id.
 */
const base = (workspaceId: string) => `/api/vm/workspaces/${workspaceId}`;
export const callbackPaths = {
  bootstrap: (workspaceId: string) => `${base(workspaceId)}/bootstrap`,
  progress: (workspaceId: string) => `${base(workspaceId)}/progress`,
  ready: (workspaceId: string) => `${base(workspaceId)}/ready`,
  heartbeat: (workspaceId: string) => `${base(workspaceId)}/heartbeat`,
  shutdown: (workspaceId: string) => `${base(workspaceId)}/shutdown`,
  /** GET: the owner's current secrets for this workspace (after a restart of the environment). */
  secrets: (workspaceId: string) => `${base(workspaceId)}/secrets`,
  /** POST: a fresh installation token for the workspace's repository (git.ts). */
  gitCredentials: (workspaceId: string) => `${base(workspaceId)}/git-credentials`,
  /** POST {kind}: start a snapshot upload (snapshots.ts). */
  snapshots: (workspaceId: string) => `${base(workspaceId)}/snapshots`,
  /** GET: the manifest of a verified snapshot. */
  snapshot: (workspaceId: string, snapshotId: string) => `${base(workspaceId)}/snapshots/${snapshotId}`,
  /** PUT (upload) or GET (restore) one part. */
  snapshotPart: (workspaceId: string, snapshotId: string, n: number) =>
    `${base(workspaceId)}/snapshots/${snapshotId}/parts/${n}`,
  /** POST: verify sizes and hashes and mark the snapshot usable. */
  snapshotComplete: (workspaceId: string, snapshotId: string) =>
    `${base(workspaceId)}/snapshots/${snapshotId}/complete`,
  /** POST {task_id, events}: a batch of the task's timeline (tasks.ts). */
  taskEvents: (workspaceId: string) => `${base(workspaceId)}/task/events`,
  /** GET ?after=<seq>: follow-up messages for the task newer than seq (tasks.ts). */
  taskMessages: (workspaceId: string) => `${base(workspaceId)}/task/messages`,
  /** POST: the end of one turn of the task (tasks.ts). */
  taskResult: (workspaceId: string) => `${base(workspaceId)}/task/result`,
} as const;
