// The settings local mode runs with: the Worker's .dev.vars (local-cloud URLs, generated secrets).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateEncryptionKey, generateGithubAppKey, generateSigningJwk, generateVapidKey } from "./keys.ts";

export const devPorts = {
  worker: 8787,
  edge: 8788,
  hetzner: 8701,
  cloudflare: 8702,
  github: 8703,
  anthropic: 8704,
  push: 8705,
} as const;
export const devPublicUrl = `http://localhost:${devPorts.worker}`;
/** Local mode's DEPLOYMENT_ID: on every label and DNS comment the local Worker makes. */
export const devDeploymentId = "local";

const tunable = [
  "DEFAULT_IDLE_TIMEOUT_MINUTES",
  "IDLE_GRACE_MINUTES",
  "HEARTBEAT_TIMEOUT_MINUTES",
  "MAX_LIFETIME_HOURS",
  "MAX_LIVE_WORKSPACES_PER_USER",
  "MAX_LIVE_WORKSPACES",
  "MONTHLY_BUDGET_EUR",
  "ALLOWED_SERVER_TYPES",
  "ALLOWED_GITHUB_LOGINS",
  "ALLOWED_GITHUB_ORGS",
];

/** The GitHub stand-in's App (local-cloud's defaults); its private key is generated into .dev.vars. */
export const localGithubApp = { id: "4242", slug: "berth-local" } as const;

/** The GitHub stand-in's sign-in page lists these users; local mode invites all of them. */
export const localGithubLogins = "alice,bob,carol";

function parseDevVars(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) vars[match[1]] = (match[2] ?? "").replace(/^'(.*)'$/, "$1");
  }
  return vars;
}

/**
 * Writes .dev.vars beside wrangler.toml: wrangler dev lays these over wrangler.toml's production
 * values. Generated secrets are kept across runs so sessions survive a restart.
 */
export function writeDevVars(root: string): Record<string, string> {
  const file = path.join(root, ".dev.vars");
  const previous = parseDevVars(file);
  const github = `http://127.0.0.1:${devPorts.github}`;
  const vars: Record<string, string> = {
    BERTH_PUBLIC_URL: devPublicUrl,
    BETTER_AUTH_SECRET: previous.BETTER_AUTH_SECRET ?? randomBytes(32).toString("hex"),
    GITHUB_CLIENT_ID: "local-github-client",
    GITHUB_CLIENT_SECRET: "local-github-secret",
    GITHUB_OAUTH_URL: github,
    GITHUB_API_URL: github,
    // The stand-in serves git (smart HTTP) on the same origin as its API and OAuth pages.
    GITHUB_WEB_URL: github,
    GITHUB_APP_ID: localGithubApp.id,
    GITHUB_APP_SLUG: localGithubApp.slug,
    // scripts/dev.ts starts the stand-in with this same key (one line, "\n" escaped).
    GITHUB_APP_PRIVATE_KEY: previous.GITHUB_APP_PRIVATE_KEY ?? generateGithubAppKey(),
    HETZNER_API_URL: `http://127.0.0.1:${devPorts.hetzner}/v1`,
    HETZNER_TOKEN: "local-hetzner-token",
    CLOUDFLARE_API_URL: `http://127.0.0.1:${devPorts.cloudflare}/client/v4`,
    CLOUDFLARE_API_TOKEN: "local-cloudflare-token",
    CLOUDFLARE_ZONE_ID: "023e105f4ecef8ad9ca31a8372d0c353",
    WORKSPACE_DOMAIN: "localhost",
    DEPLOYMENT_ID: devDeploymentId,
    WORKSPACE_SCHEME: "http",
    WORKSPACE_PORT: String(devPorts.edge),
    // A VM's Caddy (systemd VMs) gets certificates from its own CA: no public CA reaches *.localhost.
    WORKSPACE_TLS_ISSUER: "internal",
    // Claude Code on the VMs talks to the local Messages API stand-in; unset in production.
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${devPorts.anthropic}`,
    ENCRYPTION_KEY: previous.ENCRYPTION_KEY ?? generateEncryptionKey(),
    TERMINAL_SIGNING_KEY: previous.TERMINAL_SIGNING_KEY ?? generateSigningJwk(),
    // Web Push: kept across runs, so browsers' subscriptions stay valid after a restart.
    VAPID_PRIVATE_KEY: previous.VAPID_PRIVATE_KEY ?? generateVapidKey(),
    VAPID_SUBJECT: "mailto:berth@localhost",
    // The push service stand-in speaks http: the one push endpoint origin allowed without https.
    PUSH_LOCAL_SERVICE_URL: `http://127.0.0.1:${devPorts.push}`,
    ALLOWED_GITHUB_LOGINS: localGithubLogins,
  };
  // Policy settings can be tightened for a session (the end-to-end test idles out in seconds).
  for (const name of tunable) {
    const value = process.env[name];
    if (value) vars[name] = value;
  }
  const body = Object.entries(vars)
    // Single quotes: dotenv takes them literally, and the signing key is JSON full of double quotes.
    .map(([k, v]) => `${k}='${v}'`)
    .join("\n");
  writeFileSync(file, `# Written by scripts/dev.ts for local mode; not used in production.\n${body}\n`, {
    mode: 0o600,
  });
  return vars;
}
