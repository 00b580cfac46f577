import { createDatabase } from "../db/client.ts";
import type { Env } from "../env.ts";
import { createCloudflareDnsProvider } from "../providers/cloudflare-dns/index.ts";
import { createHetznerProvider } from "../providers/hetzner/index.ts";
import { parseSigningJwk, publicJwk } from "../security/terminal-tokens.ts";
import { settingsFrom } from "../settings.ts";
import type { AgentDownload } from "./provisioning.ts";
import type { LifecycleDeps } from "./reconcile.ts";

// Until an agent binary is published (R2), VMs get a download that fails its checksum and say so.
const unpublished: AgentDownload = { url: "https://agent.invalid/berth-agent", sha256: "0".repeat(64) };

/** Everything the lifecycle needs, built from the Worker's bindings. */
export function lifecycleDeps(env: Env): LifecycleDeps {
  const settings = settingsFrom(env);
  const download = (url?: string, sha256?: string): AgentDownload =>
    url && sha256 ? { url, sha256 } : unpublished;
  return {
    db: createDatabase(env.DB),
    servers: createHetznerProvider({ baseUrl: env.HETZNER_API_URL, token: env.HETZNER_TOKEN }),
    dns: createCloudflareDnsProvider({
      baseUrl: env.CLOUDFLARE_API_URL,
      apiToken: env.CLOUDFLARE_API_TOKEN,
      zoneId: env.CLOUDFLARE_ZONE_ID,
    }),
    settings,
    domain: env.WORKSPACE_DOMAIN,
    provisioning: {
      controlPlaneUrl: env.BERTH_PUBLIC_URL,
      terminalPublicKey: publicJwk(parseSigningJwk(env.TERMINAL_SIGNING_KEY)),
      agents: {
        x86: download(env.AGENT_URL_X64, env.AGENT_SHA256_X64),
        arm: download(env.AGENT_URL_ARM64, env.AGENT_SHA256_ARM64),
      },
      settings,
    },
    now: () => Date.now(),
  };
}
