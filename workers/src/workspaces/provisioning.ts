import { type BootImageKind, renderCaddyfile, renderCloudInit } from "@berth/cloud-init";
import { type AgentConfig, agentConfigPath, berthImageSelector } from "@berth/protocol";
import type { JWK } from "jose";
import type { Workspace } from "../db/schema/index.ts";
import type { ServerProvider } from "../providers/types.ts";
import type { Settings } from "../settings.ts";

/** Loopback port of the agent on the VM; Caddy proxies the workspace hostname to it. */
export const agentPort = 7681;

export interface AgentDownload {
  url: string;
  sha256: string;
}

export interface ProvisioningConfig {
  controlPlaneUrl: string;
  terminalPublicKey: JWK;
  /** Resolved when a server is created, so a newly published agent is used at once. */
  agentFor(architecture: "x86" | "arm"): Promise<AgentDownload>;
  settings: Settings;
}

export function agentConfigFor(
  ws: Workspace,
  bootstrapToken: string,
  config: ProvisioningConfig,
): AgentConfig {
  const { settings } = config;
  return {
    workspace_id: ws.id,
    hostname: ws.hostname,
    control_plane_url: config.controlPlaneUrl,
    bootstrap_token: bootstrapToken,
    terminal_token_public_key: config.terminalPublicKey as Record<string, unknown>,
    repo_url: ws.repoUrl,
    branch: ws.branch,
    idle_timeout_seconds: Math.round(ws.idleTimeoutMinutes * 60),
    idle_grace_seconds: Math.round(settings.idleGraceMinutes * 60),
    max_lifetime_seconds: Math.floor(settings.maxLifetimeMs / 1000),
    heartbeat_interval_seconds: 60,
    listen: { host: "127.0.0.1", port: agentPort },
    data_dir: "/var/lib/berth",
    ...(settings.anthropicBaseUrl ? { anthropic_base_url: settings.anthropicBaseUrl } : {}),
  };
}

export interface BootImage {
  /** What POST /servers gets as `image`: a Berth snapshot's id, or the stock image's name. */
  image: string;
  kind: BootImageKind;
}

/**
 * The newest available Berth VM image (`pnpm build:image`) of this deployment for the
 * architecture; without one, the stock image, on which cloud-init installs everything itself.
 */
export async function chooseBootImage(
  servers: Pick<ServerProvider, "listImages">,
  deployment: string,
  architecture: "x86" | "arm",
  stockImage: string,
): Promise<BootImage> {
  const images = await servers.listImages(berthImageSelector(deployment), architecture);
  const newest = images
    .filter((i) => i.status === "available" && i.architecture === architecture)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)[0];
  return newest ? { image: String(newest.id), kind: "berth" } : { image: stockImage, kind: "stock" };
}

/**
 * The VM's user_data. It carries only the one-time bootstrap token: Hetzner stores user_data, so
 * the Claude key and the callback token are fetched by the agent over TLS instead.
 */
export async function renderUserData(
  ws: Workspace,
  bootstrapToken: string,
  architecture: "x86" | "arm",
  config: ProvisioningConfig,
  image: BootImageKind = "stock",
): Promise<string> {
  const caddyfile = renderCaddyfile({
    hostname: ws.hostname,
    agentPort,
    issuer: config.settings.tlsIssuer,
    askUrl: `http://127.0.0.1:${agentPort}/caddy/ask`,
  });
  return renderCloudInit({
    agentConfig: agentConfigFor(ws, bootstrapToken, config),
    agent: await config.agentFor(architecture),
    caddyfile,
    image,
  });
}

export { agentConfigPath };
