/**
 * The VM -> control plane callback protocol. Every path is under the workspace id; the bearer token
 * is the one-time bootstrap token for `bootstrap` and the per-workspace callback token otherwise.
 * A token for one workspace is refused (401) for every other, and so is any token for an unknown id.
 */
export const callbackPaths = {
  bootstrap: (workspaceId: string) => `/api/vm/workspaces/${workspaceId}/bootstrap`,
  progress: (workspaceId: string) => `/api/vm/workspaces/${workspaceId}/progress`,
  ready: (workspaceId: string) => `/api/vm/workspaces/${workspaceId}/ready`,
  heartbeat: (workspaceId: string) => `/api/vm/workspaces/${workspaceId}/heartbeat`,
  shutdown: (workspaceId: string) => `/api/vm/workspaces/${workspaceId}/shutdown`,
} as const;
