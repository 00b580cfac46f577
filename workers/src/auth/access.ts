import type { Env } from "../env.ts";

/** Who may use this Berth: GitHub logins and organizations, both case-insensitive. */
export interface AccessPolicy {
  logins: ReadonlySet<string>;
  orgs: ReadonlySet<string>;
}

function list(value: string | undefined): Set<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function accessPolicy(env: Pick<Env, "ALLOWED_GITHUB_LOGINS" | "ALLOWED_GITHUB_ORGS">): AccessPolicy {
  return { logins: list(env.ALLOWED_GITHUB_LOGINS), orgs: list(env.ALLOWED_GITHUB_ORGS) };
}

/** True when nobody could ever be let in: the configuration check reports it. */
export function isClosed(policy: AccessPolicy): boolean {
  return policy.logins.size === 0 && policy.orgs.size === 0;
}

/** Whether a GitHub identity (its login and the orgs it belongs to) is invited. */
export function isInvited(
  policy: AccessPolicy,
  login: string | null | undefined,
  orgs: Iterable<string> | string | null | undefined,
): boolean {
  if (!login) return false;
  if (policy.logins.has(login.toLowerCase())) return true;
  const memberships = typeof orgs === "string" ? orgs.split(",") : [...(orgs ?? [])];
  return memberships.some((org) => policy.orgs.has(org.trim().toLowerCase()));
}

/** Org memberships kept on the user row, so a request can be checked without calling GitHub. */
export function serializeOrgs(orgs: string[]): string {
  return [...new Set(orgs.map((o) => o.toLowerCase()))].sort().join(",");
}
