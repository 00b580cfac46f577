import { z } from "zod";

/**
 * A person's secrets become environment variables in every terminal and Claude session of their
 * workspaces. Names follow the shell's rules; a few prefixes and names are Berth's own, so a
 * secret can never replace what Berth itself sets (the agent socket, the Claude key and base URL)
 * or pose as a GitHub-provided variable.
 */
export const secretNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const reservedSecretPrefixes = ["BERTH_", "GITHUB_"] as const;
export const reservedSecretNames = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
] as const;
export const maxSecretNameLength = 128;
/** Bytes of UTF-8. */
export const maxSecretValueBytes = 48 * 1024;
export const maxSecretsPerUser = 100;
export const maxSecretRepositories = 20;

/** Why `name` cannot be a secret's name, or null when it can. */
export function secretNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > maxSecretNameLength) {
    return `must be 1-${maxSecretNameLength} characters`;
  }
  if (!secretNamePattern.test(name)) {
    return "must be an environment variable name: letters, digits and _, not starting with a digit";
  }
  const upper = name.toUpperCase();
  const prefix = reservedSecretPrefixes.find((p) => upper.startsWith(p));
  if (prefix) return `names starting with ${prefix} are reserved`;
  if ((reservedSecretNames as readonly string[]).includes(upper)) return `${name} is set by Berth`;
  return null;
}

/** The secrets a VM receives at bootstrap: name -> value, only those for its repository. */
export const workspaceSecretsSchema = z.record(z.string().regex(secretNamePattern), z.string());
export type WorkspaceSecrets = z.infer<typeof workspaceSecretsSchema>;

/** A forwarded port's visibility: private to the owner's login, or public to anyone with the URL. */
export const portVisibilities = ["private", "public"] as const;
export type PortVisibility = (typeof portVisibilities)[number];

export const listeningPortSchema = z.object({
  port: z.number().int().min(1).max(65535),
  /** The listening process's name (from /proc/<pid>/comm), when the agent could tell. */
  process: z.string().max(64).nullable(),
  /** When the agent first saw something listen on it (ISO). */
  first_seen_at: z.iso.datetime(),
});
export type ListeningPort = z.infer<typeof listeningPortSchema>;
/** Most ports one heartbeat reports. */
export const maxReportedPorts = 100;
