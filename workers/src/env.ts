/** Bindings and settings of the Worker. Production values come from wrangler.toml and secrets. */
export interface Env {
  DB: D1Database;
  /** Published berth-agent binaries and their `.sha256` objects. */
  AGENTS?: R2Bucket;
  /** Workspace snapshots (sleep and checkpoints), each part AES-256-GCM encrypted by the Worker. */
  SNAPSHOTS?: R2Bucket;
  /** The dashboard's built files (Workers static assets). */
  ASSETS?: Fetcher;
  /** Public origin of the control plane, e.g. https://berth.example.com. */
  BERTH_PUBLIC_URL: string;
  /** Extra origins allowed to call the API with cookies (the dashboard), comma-separated. */
  BERTH_TRUSTED_ORIGINS?: string;
  BETTER_AUTH_SECRET: string;
  /** Client ID and secret of the GitHub App (its user authorization signs people in). */
  GITHUB_CLIENT_ID: string;
  GITHUB_CLIENT_SECRET: string;
  /** The GitHub App's numeric id (the `iss` of its JWTs). */
  GITHUB_APP_ID: string;
  /** The App's URL name: https://github.com/apps/<slug>. */
  GITHUB_APP_SLUG: string;
  /**
   * The App's private key (PEM, a Worker secret). GitHub hands out PKCS#1 ("BEGIN RSA PRIVATE
   * KEY"); PKCS#8 ("BEGIN PRIVATE KEY") is accepted as well.
   */
  GITHUB_APP_PRIVATE_KEY: string;
  /** Where repositories live and git talks to: https://github.com (default); the stand-in locally. */
  GITHUB_WEB_URL?: string;
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
  /**
   * Messages API base URL for Claude Code on the VMs (its ANTHROPIC_BASE_URL). Unset in production
   * (Claude Code talks to api.anthropic.com); local mode sets the Anthropic stand-in's URL.
   */
  ANTHROPIC_BASE_URL?: string;

  /** 32 bytes, base64: AES-256-GCM key for user secrets. */
  ENCRYPTION_KEY: string;
  /** Private P-256 JWK (JSON) signing terminal tokens. */
  TERMINAL_SIGNING_KEY: string;
  /**
   * Web Push's application server key (VAPID, RFC 8292): a private P-256 JWK (JSON), a secret.
   * Unset: no notifications are pushed.
   */
  VAPID_PRIVATE_KEY?: string;
  /** VAPID's contact for push services: mailto: or https: (default: BERTH_PUBLIC_URL when https). */
  VAPID_SUBJECT?: string;
  /** Local mode only: the push service stand-in's origin, the one push endpoint allowed over http. */
  PUSH_LOCAL_SERVICE_URL?: string;

  /** Where VMs download the agent, per architecture, and its SHA-256. */
  AGENT_URL_X64?: string;
  AGENT_SHA256_X64?: string;
  AGENT_URL_ARM64?: string;
  AGENT_SHA256_ARM64?: string;

  /** Who may sign in: GitHub logins and organizations, comma-separated. At least one must be set. */
  ALLOWED_GITHUB_LOGINS?: string;
  ALLOWED_GITHUB_ORGS?: string;
  /** Server types a workspace may use, comma-separated (default: small, cheap types). */
  ALLOWED_SERVER_TYPES?: string;
  /** Live workspaces across all users (default 20). */
  MAX_LIVE_WORKSPACES?: string;
  /** Optional per-user spending limit in € per calendar month (UTC). */
  MONTHLY_BUDGET_EUR?: string;
  /** Most API keys one user may hold (default 25). */
  MAX_API_KEYS_PER_USER?: string;
  /**
   * Workers Rate Limiting bindings: per user, per client IP, per workspace (VM callbacks), and per
   * workspace on its git credentials (apart from the other callbacks: each one calls GitHub).
   */
  RATE_LIMIT_USER?: RateLimit;
  RATE_LIMIT_IP?: RateLimit;
  RATE_LIMIT_VM?: RateLimit;
  RATE_LIMIT_GIT?: RateLimit;

  MAX_LIVE_WORKSPACES_PER_USER?: string;
  DEFAULT_IDLE_TIMEOUT_MINUTES?: string;
  IDLE_GRACE_MINUTES?: string;
  MAX_LIFETIME_HOURS?: string;
  HEARTBEAT_TIMEOUT_MINUTES?: string;
  /** Largest snapshot archive (default 2 GiB); bigger fails with the biggest folders named. */
  SNAPSHOT_MAX_BYTES?: string;
  /** Largest snapshot part the agent may send (default 16 MiB; Workers bodies stop at 100 MB). */
  SNAPSHOT_PART_BYTES?: string;
  /** Days an asleep workspace's snapshots are kept (default 30). */
  SNAPSHOT_RETENTION_DAYS?: string;
  /** Newest checkpoints kept per workspace (default 3). */
  SNAPSHOT_CHECKPOINTS_KEPT?: string;
  /** How long a sleep may take before it falls back on the newest checkpoint (default 15). */
  SLEEP_DEADLINE_MINUTES?: string;
}
