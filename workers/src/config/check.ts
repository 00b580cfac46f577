/**
 * The Worker's configuration check: every missing or malformed setting and secret gives one clear
 * message, so a half-configured deployment says what is wrong instead of failing with a 500 on first
 * use. Pure (no I/O) and never quotes a value: the messages are served by an unauthenticated route.
 */
import { deploymentIdPattern } from "@berth/protocol";
import { accessPolicy, isClosed } from "../auth/access.ts";
import type { Env } from "../env.ts";
import { AppKeyError, appKeyPkcs8 } from "../providers/github-app/key.ts";
import { parseSigningJwk } from "../security/terminal-tokens.ts";

export interface ConfigProblem {
  setting: string;
  problem: string;
}

/** Values in wrangler.toml (or typical hand-written stand-ins) that mean "nobody set this yet". */
const placeholders = new Set([
  "set-me",
  "setme",
  "change-me",
  "changeme",
  "todo",
  "xxx",
  "replace-me",
  "<set-me>",
]);

/** RFC 2606 names: wrangler.toml ships with berth.example.com and ws.example.com. */
function isExampleHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return /(^|\.)example\.(com|net|org)$/.test(h) || h === "example" || h.endsWith(".example");
}

function blank(value: string | undefined): boolean {
  return value === undefined || value === null || String(value).trim() === "";
}

function placeholder(value: string): boolean {
  return placeholders.has(value.trim().toLowerCase());
}

/** Absolute http(s) URL, or null. */
function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isHostname(value: string): boolean {
  const host = value.replace(/\.$/, "");
  return host.length > 0 && host.length <= 253 && host.split(".").every((part) => label.test(part));
}

/** The same parsing SecretBox does (atob, then exactly 32 bytes), without importing a key. */
function encryptionKeyProblem(value: string): string | null {
  let bytes: number;
  try {
    bytes = atob(value.trim()).length;
  } catch {
    return "must be base64 (32 random bytes, e.g. `openssl rand -base64 32`); the value set is not valid base64";
  }
  return bytes === 32 ? null : `must decode to exactly 32 bytes; the value set decodes to ${bytes} bytes`;
}

/** Parses the PEM the way the Worker will (never quoting it); the RSA import itself happens on use. */
function appPrivateKeyProblem(value: string): string | null {
  try {
    appKeyPkcs8(value);
    return null;
  } catch (err) {
    const why = err instanceof AppKeyError ? err.message : "unreadable";
    return `must be the App's private key as PEM ("BEGIN RSA PRIVATE KEY" as GitHub hands it out, or "BEGIN PRIVATE KEY"); ${why}`;
  }
}

function signingKeyProblem(value: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse's own message quotes the input: never pass it on.
    return "must be a private P-256 JWK as JSON; the value set is not valid JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return "must be a private P-256 JWK as JSON (an object); the value set is not a JSON object";
  }
  try {
    const jwk = parseSigningJwk(value);
    if (typeof jwk.x !== "string" || typeof jwk.y !== "string") {
      return "must be a complete private P-256 JWK (kty, crv, x, y, d); x or y is missing";
    }
  } catch {
    return 'must be a private P-256 JWK (kty "EC", crv "P-256", with d); the value set is not one';
  }
  return null;
}

/** Settings the Worker cannot run without. `secret` marks the ones set with `wrangler secret put`. */
interface Required {
  name: keyof Env & string;
  secret: boolean;
  what: string;
  validate?: (value: string) => string | null;
}

const urlSetting =
  (example: string) =>
  (value: string): string | null =>
    httpUrl(value) ? null : `must be an absolute http(s) URL such as ${example}`;

const required: Required[] = [
  {
    name: "BERTH_PUBLIC_URL",
    secret: false,
    what: "the public origin of the control plane, e.g. https://berth.your-domain.com",
    validate: (value) => {
      const url = httpUrl(value);
      if (!url) return "must be an absolute http(s) URL such as https://berth.your-domain.com";
      if (url.pathname !== "/" || url.search || url.hash)
        return "must be an origin only (no path, query or fragment)";
      if (isExampleHost(url.hostname)) return "is still the example.com placeholder from wrangler.toml";
      return null;
    },
  },
  {
    name: "BETTER_AUTH_SECRET",
    secret: true,
    what: "a random string of at least 32 characters that signs sessions",
    validate: (value) =>
      value.length >= 32 ? null : `must be at least 32 characters; the value set has ${value.length}`,
  },
  { name: "GITHUB_CLIENT_ID", secret: false, what: "the Client ID of your GitHub App" },
  { name: "GITHUB_CLIENT_SECRET", secret: true, what: "a client secret of your GitHub App" },
  {
    name: "GITHUB_APP_ID",
    secret: false,
    what: "the App ID of your GitHub App (its settings page, About)",
    validate: (value) => (/^\d{1,20}$/.test(value) ? null : "must be the App's numeric id"),
  },
  {
    name: "GITHUB_APP_SLUG",
    secret: false,
    what: "the URL name of your GitHub App (https://github.com/apps/<slug>)",
    validate: (value) =>
      /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/i.test(value)
        ? null
        : "must be the App's URL name: letters, digits and hyphens (https://github.com/apps/<slug>)",
  },
  {
    name: "GITHUB_APP_PRIVATE_KEY",
    secret: true,
    what: "a private key of your GitHub App (the .pem GitHub downloads, PKCS#1 or PKCS#8)",
    validate: appPrivateKeyProblem,
  },
  {
    name: "GITHUB_OAUTH_URL",
    secret: false,
    what: "https://github.com",
    validate: urlSetting("https://github.com"),
  },
  {
    name: "GITHUB_API_URL",
    secret: false,
    what: "https://api.github.com",
    validate: urlSetting("https://api.github.com"),
  },
  {
    name: "HETZNER_API_URL",
    secret: false,
    what: "https://api.hetzner.cloud/v1",
    validate: urlSetting("https://api.hetzner.cloud/v1"),
  },
  {
    name: "HETZNER_TOKEN",
    secret: true,
    what: "a Hetzner Cloud API token (Read & Write) of the project workspaces run in",
    validate: tokenShape,
  },
  {
    name: "CLOUDFLARE_API_URL",
    secret: false,
    what: "https://api.cloudflare.com/client/v4",
    validate: urlSetting("https://api.cloudflare.com/client/v4"),
  },
  {
    name: "CLOUDFLARE_API_TOKEN",
    secret: true,
    what: "a Cloudflare API token with Zone → DNS → Edit on the workspace zone",
    validate: tokenShape,
  },
  {
    name: "CLOUDFLARE_ZONE_ID",
    secret: false,
    what: "the Zone ID of WORKSPACE_DOMAIN's zone (Cloudflare dashboard → the zone → Overview)",
    validate: (value) =>
      /^[0-9a-f]{32}$/i.test(value) ? null : "must be a Cloudflare zone id: 32 hexadecimal characters",
  },
  {
    name: "WORKSPACE_DOMAIN",
    secret: false,
    what: "the domain workspaces live under, e.g. ws.your-domain.com",
    validate: (value) => {
      if (!isHostname(value)) {
        return "must be a bare hostname such as ws.your-domain.com (no scheme, port, path or wildcard)";
      }
      if (isExampleHost(value)) return "is still the example.com placeholder from wrangler.toml";
      return null;
    },
  },
  {
    name: "DEPLOYMENT_ID",
    secret: false,
    what: "a short name for this deployment (e.g. prod), put on every Hetzner label and DNS record comment so the reconciler never touches another deployment's servers or records",
    validate: (value) =>
      deploymentIdPattern.test(value)
        ? null
        : "must be 1-32 lowercase letters, digits or hyphens, starting and ending with a letter or digit (e.g. prod)",
  },
  {
    name: "ENCRYPTION_KEY",
    secret: true,
    what: "32 random bytes, base64 (AES-256-GCM key for user secrets)",
    validate: encryptionKeyProblem,
  },
  {
    name: "TERMINAL_SIGNING_KEY",
    secret: true,
    what: "a private P-256 JWK as JSON (signs terminal tokens)",
    validate: signingKeyProblem,
  },
];

function tokenShape(value: string): string | null {
  return /\s/.test(value) ? "contains whitespace (pasted with a newline or a space?)" : null;
}

/** Optional settings: absent is fine (a default applies), but a value that is set must make sense. */
interface Optional {
  name: keyof Env & string;
  validate: (value: string) => string | null;
}

/** It is written into user_data (Hetzner keeps it), so it must not carry credentials. */
function anthropicBaseUrlProblem(value: string): string | null {
  const url = httpUrl(value);
  if (!url) return "must be an absolute http(s) URL such as http://127.0.0.1:8704 (unset in production)";
  if (url.username || url.password) return "must not contain credentials (it is written into VM user_data)";
  if (url.search || url.hash) return "must have no query or fragment";
  return null;
}

const positiveNumber = (value: string): string | null => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? null : "must be a positive number";
};

const optional: Optional[] = [
  {
    name: "WORKSPACE_TLS_ISSUER",
    validate: (value) =>
      ["acme", "zerossl", "internal"].includes(value) ? null : "must be one of acme, zerossl, internal",
  },
  {
    name: "WORKSPACE_SCHEME",
    validate: (value) => (value === "https" || value === "http" ? null : "must be https or http"),
  },
  {
    name: "WORKSPACE_PORT",
    validate: (value) => {
      const n = Number(value);
      return Number.isInteger(n) && n > 0 && n < 65536 ? null : "must be a port number (1-65535)";
    },
  },
  { name: "ANTHROPIC_BASE_URL", validate: anthropicBaseUrlProblem },
  // Web Push's application server key: the same shape as the terminal signing key.
  { name: "VAPID_PRIVATE_KEY", validate: signingKeyProblem },
  {
    name: "VAPID_SUBJECT",
    validate: (value) =>
      /^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(value)
        ? null
        : "must be a contact push services can reach: mailto:you@your-domain.com or an https:// URL",
  },
  {
    name: "PUSH_LOCAL_SERVICE_URL",
    validate: (value) =>
      httpUrl(value) ? null : "must be an absolute http(s) URL (local mode only; unset in production)",
  },
  {
    name: "GITHUB_WEB_URL",
    validate: (value) => {
      const url = httpUrl(value);
      if (!url) return "must be an absolute http(s) URL such as https://github.com";
      if (url.pathname !== "/" || url.search || url.hash || url.username)
        return "must be an origin only (no path, query, fragment or credentials)";
      return null;
    },
  },
  { name: "MAX_LIVE_WORKSPACES_PER_USER", validate: positiveNumber },
  { name: "MAX_LIVE_WORKSPACES", validate: positiveNumber },
  { name: "MONTHLY_BUDGET_EUR", validate: positiveNumber },
  { name: "MAX_API_KEYS_PER_USER", validate: positiveNumber },
  {
    name: "ALLOWED_SERVER_TYPES",
    validate: (value) =>
      value.split(",").every((t) => /^[a-z0-9-]+$/i.test(t.trim()))
        ? null
        : "must be Hetzner server type names, comma-separated (e.g. cx23,cax11)",
  },
  { name: "DEFAULT_IDLE_TIMEOUT_MINUTES", validate: positiveNumber },
  { name: "IDLE_GRACE_MINUTES", validate: positiveNumber },
  { name: "MAX_LIFETIME_HOURS", validate: positiveNumber },
  { name: "HEARTBEAT_TIMEOUT_MINUTES", validate: positiveNumber },
  { name: "SNAPSHOT_MAX_BYTES", validate: positiveNumber },
  { name: "SNAPSHOT_PART_BYTES", validate: positiveNumber },
  { name: "SNAPSHOT_RETENTION_DAYS", validate: positiveNumber },
  { name: "SNAPSHOT_CHECKPOINTS_KEPT", validate: positiveNumber },
  { name: "SLEEP_DEADLINE_MINUTES", validate: positiveNumber },
  { name: "AGENT_URL_X64", validate: (value) => (httpUrl(value) ? null : "must be an absolute http(s) URL") },
  {
    name: "AGENT_URL_ARM64",
    validate: (value) => (httpUrl(value) ? null : "must be an absolute http(s) URL"),
  },
  {
    name: "AGENT_SHA256_X64",
    validate: (value) => (/^[0-9a-f]{64}$/i.test(value) ? null : "must be a SHA-256 in hex (64 characters)"),
  },
  {
    name: "AGENT_SHA256_ARM64",
    validate: (value) => (/^[0-9a-f]{64}$/i.test(value) ? null : "must be a SHA-256 in hex (64 characters)"),
  },
];

/** Every problem with the Worker's configuration, one entry per setting; empty when all is well. */
export function checkConfig(env: Env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const vars = env as unknown as Record<string, unknown>;

  if (!env.DB || typeof (env.DB as { prepare?: unknown }).prepare !== "function") {
    problems.push({
      setting: "DB",
      problem: "the D1 binding DB is missing: check [[d1_databases]] in wrangler.toml",
    });
  }

  const agentUrlsSet = !blank(env.AGENT_URL_X64) && !blank(env.AGENT_SHA256_X64);
  if (!env.AGENTS && !agentUrlsSet) {
    problems.push({
      setting: "AGENTS",
      problem:
        "the R2 binding AGENTS (bucket berth-agents, holding the agent binaries VMs download) is missing: check [[r2_buckets]] in wrangler.toml",
    });
  }

  for (const setting of required) {
    const raw = vars[setting.name];
    const how = setting.secret
      ? `set it with \`wrangler secret put ${setting.name}\` or \`pnpm run setup:cloudflare\``
      : "set it in wrangler.toml [vars]";
    if (typeof raw !== "string" || blank(raw)) {
      problems.push({ setting: setting.name, problem: `is not set: ${setting.what}; ${how}` });
      continue;
    }
    if (placeholder(raw)) {
      problems.push({
        setting: setting.name,
        problem: `is still the placeholder from wrangler.toml: ${setting.what}; ${how}`,
      });
      continue;
    }
    const problem = setting.validate?.(raw);
    if (problem) problems.push({ setting: setting.name, problem });
  }

  if (isClosed(accessPolicy(env))) {
    problems.push({
      setting: "ALLOWED_GITHUB_LOGINS",
      problem:
        "is not set, and neither is ALLOWED_GITHUB_ORGS: nobody could sign in; set the GitHub logins (comma-separated), or the organizations whose members may use this Berth, in wrangler.toml [vars]",
    });
  }

  for (const setting of optional) {
    const raw = vars[setting.name];
    if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) continue;
    const problem = typeof raw === "string" ? setting.validate(raw.trim()) : "must be a string";
    if (problem) problems.push({ setting: setting.name, problem });
  }
  return problems;
}

/** The names of the settings held as Worker secrets (never echoed anywhere). */
export const secretSettings: readonly string[] = required.filter((s) => s.secret).map((s) => s.name);

/** Public suffixes of more than one label that are common enough to matter here. */
const multiLabelSuffixes = new Set([
  "co.uk",
  "org.uk",
  "ac.uk",
  "gov.uk",
  "me.uk",
  "com.au",
  "net.au",
  "org.au",
  "co.nz",
  "co.jp",
  "ne.jp",
  "or.jp",
  "com.br",
  "co.za",
  "com.cn",
  "co.in",
  "co.kr",
  "com.mx",
  "com.tr",
  "com.sg",
  "com.hk",
  "co.il",
  "workers.dev",
  "pages.dev",
  "github.io",
]);

/** The registrable domain ("site") of a host name, or null for an IP address or a single label. */
export function registrableDomain(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (/^[\d.]+$/.test(h) || h.includes(":")) return null;
  const labels = h.split(".");
  if (labels.length < 2) return null;
  const lastTwo = labels.slice(-2).join(".");
  if (multiLabelSuffixes.has(lastTwo)) return labels.length >= 3 ? labels.slice(-3).join(".") : null;
  return lastTwo;
}

/**
 * Settings that work but weaken isolation. A workspace runs code the user (or an agent) chose: on
 * the dashboard's own site it is "same-site" to the dashboard, so browsers send the dashboard's
 * SameSite cookies along with requests it makes and it may set cookies for the shared parent domain.
 */
export function configWarnings(env: Env): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  let dashboardHost: string | null = null;
  try {
    dashboardHost = new URL(env.BERTH_PUBLIC_URL).hostname;
  } catch {}
  const dashboardSite = dashboardHost ? registrableDomain(dashboardHost) : null;
  const workspaceSite = env.WORKSPACE_DOMAIN ? registrableDomain(env.WORKSPACE_DOMAIN) : null;
  if (dashboardSite && dashboardSite === workspaceSite) {
    warnings.push({
      setting: "WORKSPACE_DOMAIN",
      problem: `shares the registrable domain ${dashboardSite} with BERTH_PUBLIC_URL: workspaces run arbitrary code and would be same-site with the dashboard; put them under a separate registrable domain (e.g. berth-workspaces.dev)`,
    });
  }
  if (blank(env.VAPID_PRIVATE_KEY)) {
    warnings.push({
      setting: "VAPID_PRIVATE_KEY",
      problem:
        "is not set: no Web Push notifications (task finished or failed, Claude waiting) are sent; set a private P-256 JWK with `wrangler secret put VAPID_PRIVATE_KEY` or `pnpm run setup:cloudflare`",
    });
  }
  if (!env.SNAPSHOTS) {
    warnings.push({
      setting: "SNAPSHOTS",
      problem:
        "the R2 binding SNAPSHOTS (bucket berth-snapshots) is missing: workspaces cannot sleep with their work and fall asleep without a snapshot; check [[r2_buckets]] in wrangler.toml",
    });
  }
  return warnings;
}
