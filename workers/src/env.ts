/** Bindings and settings of the Worker. Production values come from wrangler.toml and secrets. */
export interface Env {
  DB: D1Database;
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
}
