/**
 * Responses every authenticated operation can give, whatever its own schema says: a GitHub account
 * taken off the allow-lists (403 not_invited), a cookie write from another origin (403 forbidden),
 * and the rate limits (429 rate_limited). Middleware adds them on every route, so the document adds
 * them on every route too.
 */
type Operation = { security?: unknown[]; responses?: Record<string, unknown> };
type Document = { paths?: Record<string, Record<string, Operation>> };

const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

export function withTrustResponses<D extends object>(doc: D): D {
  const paths = (doc as Document).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!op || typeof op !== "object" || !op.responses) continue;
      const limited = path.startsWith("/api/vm/") || (op.security?.length ?? 0) > 0;
      if (limited && !op.responses["429"]) {
        op.responses["429"] = {
          description: "rate_limited: too many requests for this user, address or workspace; see Retry-After",
          headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait" } },
          content: errorContent,
        };
      }
      if (!path.startsWith("/api/vm/") && (op.security?.length ?? 0) > 0 && !op.responses["403"]) {
        op.responses["403"] = {
          description:
            method === "get"
              ? "not_invited: this GitHub account is no longer on ALLOWED_GITHUB_LOGINS / ALLOWED_GITHUB_ORGS"
              : "not_invited (no longer on the allow-lists), or forbidden: a cookie-authenticated write from another origin than the dashboard",
          content: errorContent,
        };
      }
    }
  }
  return doc;
}
