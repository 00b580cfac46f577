/** Bindings and settings of the Worker. Production values come from wrangler.toml and secrets. */
export interface Env {
  DB: D1Database;
  /** Published berth-agent binaries and their `.sha256` objects. */
  AGENTS?: R2Bucket;
  /** The dashboard's built files (Workers static assets). */
  ASSETS?: Fetcher;
  /** Public origin of the control plane, e.g. https://berth.example.com. */
  BERTH_PUBLIC_URL: string;
  /** Extra origins allowed to call the API with cookies (the dashboard), comma-separated. */
  BERTH_TRUSTED_ORIGINS?: string;
  BETTER_AUTH_SECRET: string;
  GITHUB_CLIENT_ID: string;
  GITHUB_CLIENT_SECRET: string;
  /** https://github.com in production; the local stand-in otherwise. */
  GITHUB_OAUTH_URL: string;
  /** https://api.github.com in production; the local stand-in otherwise. */
  GITHUB_API_URL: string;

  HETZNER_API_URL: string;
  HETZNER_TOKEN: string;
  HETZNER_IMAGE?: string;
  CLOUDFLARE_API_URL: string;
  CLOUDFLARE_API_TOKEN: string;
  CLOUDFLARE_ZONE_ID: string;
  /**
   * This deployment's id, on every Hetzner label and DNS record comment: the reconciler touches only
   * its own deployment's servers, firewall and records, even in a shared Hetzner project or zone.
   */
  DEPLOYMENT_ID: string;
  /** Workspaces live at <id>.<WORKSPACE_DOMAIN>. */
  WORKSPACE_DOMAIN: string;
  /** How browsers reach a workspace host: "https" in production, "http" locally. */
  WORKSPACE_SCHEME?: string;
  /** Port browsers use for workspace hosts, when not the scheme's default (local edge). */
  WORKSPACE_PORT?: string;
  /** Caddy's certificate issuer on VMs: acme (Let's Encrypt), zerossl or internal. */
  WORKSPACE_TLS_ISSUER?: string;

  /** 32 bytes, base64: AES-256-GCM key for user secrets. */
  ENCRYPTION_KEY: string;
  /** Private P-256 JWK (JSON) signing terminal tokens. */
  TERMINAL_SIGNING_KEY: string;

  /** Where VMs download the agent, per architecture, and its SHA-256. */
  AGENT_URL_X64?: string;
  AGENT_SHA256_X64?: string;
  AGENT_URL_ARM64?: string;
  AGENT_SHA256_ARM64?: string;

  MAX_LIVE_WORKSPACES_PER_USER?: string;
  DEFAULT_IDLE_TIMEOUT_MINUTES?: string;
  IDLE_GRACE_MINUTES?: string;
  MAX_LIFETIME_HOURS?: string;
  HEARTBEAT_TIMEOUT_MINUTES?: string;
}
