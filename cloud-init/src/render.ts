import { type AgentConfig, agentConfigPath, agentConfigSchema } from "@berth/protocol";
import { Document, isSeq } from "yaml";
import { fetchAgentScriptPath, renderFetchAgentScript } from "./scripts.ts";
import { agentUnitPath, renderAgentUnit } from "./systemd.ts";

export interface CloudInitInput {
  /** Written as /etc/berth/agent.json, mode 0600, owner root. */
  agentConfig: AgentConfig;
  /** Where to download the berth-agent binary for this VM's arch, and its hex SHA-256. */
  agent: { url: string; sha256: string };
  /** Rendered elsewhere; written to /etc/caddy/Caddyfile. */
  caddyfile: string;
  sshAuthorizedKeys?: string[];
  /**
   * What the server boots from. "stock" (default): a plain Ubuntu/Debian image, so cloud-init
   * installs the packages, Node 22 and the devcontainer CLI first. "berth": the Berth VM image
   * (`pnpm build:image`, images/berth-vm/install.sh) already holds them, so cloud-init only writes
   * the config and starts the units: no package_update, no installs.
   */
  image?: BootImageKind;
}

export type BootImageKind = "stock" | "berth";

/** Hetzner rejects user_data larger than 32 KiB. */
export const hetznerUserDataLimitBytes = 32768;
export const caddyfilePath = "/etc/caddy/Caddyfile";
export const devcontainerCliPackage = "@devcontainers/cli@0.89.0";
/**
 * The devcontainer CLI needs Node >= 20 and Ubuntu 24.04's apt has 18: Node 22 comes from the npm
 * registry's `node` package, whose global install lands in /usr/local/bin, ahead of /usr/bin.
 */
export const nodePackage = "node@22.23.3";
export const aptPackages = ["ca-certificates", "curl", "git", "docker.io", "caddy", "nodejs", "npm"];

/** Thrown for input that cannot be rendered; the message names every problem. */
export class CloudInitInputError extends Error {
  override name = "CloudInitInputError";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const controlChars = /[\u0000-\u001f\u007f]/;

function validate(input: CloudInitInput): AgentConfig {
  const problems: string[] = [];
  const parsed = agentConfigSchema.safeParse(input.agentConfig);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`agentConfig.${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`);
    }
  }
  const { url, sha256 } = input.agent ?? {};
  if (
    typeof url !== "string" ||
    controlChars.test(url) ||
    !/^https?:\/\/\S+$/.test(url) ||
    !URL.canParse(url)
  ) {
    problems.push("agent.url: must be an http(s) URL without whitespace or control characters");
  }
  if (typeof sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    problems.push("agent.sha256: must be 64 hex digits");
  }
  if (input.image !== undefined && input.image !== "stock" && input.image !== "berth") {
    problems.push('image: must be "stock" or "berth"');
  }
  if (typeof input.caddyfile !== "string" || input.caddyfile.trim() === "") {
    problems.push("caddyfile: must be a non-empty string");
  }
  for (const [i, key] of (input.sshAuthorizedKeys ?? []).entries()) {
    if (typeof key !== "string" || key.trim() === "" || controlChars.test(key)) {
      problems.push(`sshAuthorizedKeys.${i}: must be one non-empty line`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new CloudInitInputError(`invalid cloud-init input: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** JSON with object keys sorted at every level, so equal configs always render identically. */
function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      return Object.fromEntries(entries.map(([k, x]) => [k, sort(x)]));
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * Renders the `#cloud-config` user_data for a workspace VM. Pure and deterministic. The only
 * secret it carries is the single-use bootstrap token inside the agent config.
 */
export function renderCloudInit(input: CloudInitInput): string {
  const config = validate(input);
  const sha256 = input.agent.sha256.toLowerCase();
  const caddyfile = input.caddyfile.endsWith("\n") ? input.caddyfile : `${input.caddyfile}\n`;
  const stock = (input.image ?? "stock") === "stock";
  const cloudConfig: Record<string, unknown> = {
    ...(stock ? { package_update: true, package_upgrade: false, packages: aptPackages } : {}),
    ...(input.sshAuthorizedKeys?.length ? { ssh_authorized_keys: input.sshAuthorizedKeys } : {}),
    write_files: [
      { path: agentConfigPath, owner: "root:root", permissions: "0600", content: canonicalJson(config) },
      {
        path: fetchAgentScriptPath,
        owner: "root:root",
        permissions: "0755",
        content: renderFetchAgentScript(input.agent.url, sha256),
      },
      { path: agentUnitPath, owner: "root:root", permissions: "0644", content: renderAgentUnit() },
      // Deferred until after packages are installed, so the caddy package never sees it as a
      // conflicting conffile and its default Caddyfile cannot overwrite it.
      { path: caddyfilePath, owner: "root:root", permissions: "0644", content: caddyfile, defer: true },
    ],
    runcmd: [
      [fetchAgentScriptPath],
      ...(stock
        ? [["npm", "install", "--global", "--no-audit", "--no-fund", nodePackage, devcontainerCliPackage]]
        : []),
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "docker.service", "caddy.service", "berth-agent.service"],
      // The caddy package already started with its default config: restart to load ours.
      ["systemctl", "restart", "caddy.service"],
      ["systemctl", "start", "--no-block", "berth-agent.service"],
    ],
  };
  // YAML 1.1 rules, as cloud-init's PyYAML reads them (so "0600", "yes", "on" stay strings).
  const doc = new Document(cloudConfig, { version: "1.1" });
  // Short lists on one line each: easier to read in the Hetzner console, and smaller.
  const packages = doc.get("packages");
  if (isSeq(packages)) packages.flow = true;
  const runcmd = doc.get("runcmd");
  if (isSeq(runcmd)) for (const item of runcmd.items) if (isSeq(item)) item.flow = true;
  const body = doc.toString({ lineWidth: 0 });
  const out = `#cloud-config\n${body}`;
  const size = byteLength(out);
  if (size > hetznerUserDataLimitBytes) {
    throw new CloudInitInputError(
      `rendered user_data is ${size} bytes, over Hetzner's ${hetznerUserDataLimitBytes}-byte limit`,
    );
  }
  return out;
}
