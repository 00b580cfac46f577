// The settings local mode runs with: the Worker's .dev.vars (local-cloud URLs, generated secrets).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const devPorts = { worker: 8787, hetzner: 8701, cloudflare: 8702, github: 8703 } as const;
export const devPublicUrl = `http://localhost:${devPorts.worker}`;

function parseDevVars(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) vars[match[1]] = (match[2] ?? "").replace(/^"|"$/g, "");
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
  };
  const body = Object.entries(vars)
    .map(([k, v]) => `${k}="${v}"`)
    .join("\n");
  writeFileSync(file, `# Written by scripts/dev.ts for local mode; not used in production.\n${body}\n`, {
    mode: 0o600,
  });
  return vars;
}
