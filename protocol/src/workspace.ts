export const workspaceStates = [
  "creating",
  "provisioning",
  "booting",
  "ready",
  /** The agent uploads its sleep snapshot; the VM goes only once the snapshot is verified. */
  "sleeping",
  /** No VM, no DNS records: the work waits in a verified snapshot (or says why there is none). */
  "asleep",
  /** A wake was asked for: a new VM is about to be created (then provisioning, booting, ready). */
  "waking",
  "stopping",
  "deleted",
  "failed",
] as const;
export type WorkspaceState = (typeof workspaceStates)[number];

/** States after which nothing on Hetzner or Cloudflare may remain. */
export const terminalStates: readonly WorkspaceState[] = ["deleted", "failed"];

/**
 * Labels on every Hetzner server (and the firewall) Berth creates; the reconciler touches nothing
 * without them, and nothing of another deployment (`berth.deployment`) sharing the project.
 */
export const serverLabels = {
  workspace: "berth.workspace",
  owner: "berth.owner",
  managedBy: "berth.managed-by",
  deployment: "berth.deployment",
  /** On a `pnpm build:image` server (value: the recipe hash): the sweep spares it while it builds. */
  imageBuild: "berth.image-build",
} as const;

/**
 * Labels on a Berth VM image (a Hetzner snapshot made by `pnpm build:image`): workspaces boot from
 * the newest `berth.image=vm` snapshot of their deployment and architecture.
 */
export const imageLabels = {
  image: "berth.image",
  recipe: "berth.recipe",
  deployment: "berth.deployment",
} as const;
export const berthImageKind = "vm";

/** The label selector for a deployment's Berth VM images (all recipes, or one). */
export function berthImageSelector(deployment: string, recipe?: string): string {
  const base = `${imageLabels.image}=${berthImageKind},${imageLabels.deployment}=${deployment}`;
  return recipe === undefined ? base : `${base},${imageLabels.recipe}=${recipe}`;
}

/**
 * A deployment's id (the `DEPLOYMENT_ID` setting): a Hetzner label value and part of every DNS
 * record comment, so two deployments sharing a Hetzner project or a zone never touch each other's.
 */
export const deploymentIdPattern = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** DNS record comments: `berth:<deployment>:workspace=<workspace id>`. */
export function dnsCommentPrefixFor(deployment: string): string {
  return `berth:${deployment}:workspace=`;
}

export function dnsComment(deployment: string, workspaceId: string): string {
  return `${dnsCommentPrefixFor(deployment)}${workspaceId}`;
}

export const defaultServerType = "cx23";
export const defaultLocation = "fsn1";
