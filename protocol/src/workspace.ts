export const workspaceStates = [
  "creating",
  "provisioning",
  "booting",
  "ready",
  "stopping",
  "deleted",
  "failed",
] as const;
export type WorkspaceState = (typeof workspaceStates)[number];

/** States after which nothing on Hetzner or Cloudflare may remain. */
export const terminalStates: readonly WorkspaceState[] = ["deleted", "failed"];

/** Labels on every Hetzner server Berth creates; the reconciler touches nothing without them. */
export const serverLabels = {
  workspace: "berth.workspace",
  owner: "berth.owner",
  managedBy: "berth.managed-by",
} as const;

/** DNS record comments carry this prefix followed by the workspace id. */
export const dnsCommentPrefix = "berth:workspace=";

export const defaultServerType = "cx23";
export const defaultLocation = "fsn1";
