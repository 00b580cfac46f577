/** Secret-name rules, without zod: the dashboard imports this entry. */
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
  // Secrets travel as a JSON object, where this key is the prototype, not a property: it would be
  // stored and then silently dropped on its way to the VM.
  if (name === "__proto__") return "__proto__ cannot be a secret's name";
  return null;
}
