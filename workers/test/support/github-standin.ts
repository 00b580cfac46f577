import { env } from "cloudflare:workers";

/**
 * TODO(merge with branch ghstand): delete this bridge. Whether the GitHub stand-in serves the App
 * endpoints (GET /__berth/app answers on branch ghstand's stand-in). Until it does, tests that need
 * them skip, and the authorization matrix and fuzz expect GET /api/repositories to fail upstream.
 */
export const standInServesApps: boolean = await fetch(
  `${new URL(env.GITHUB_WEB_URL ?? env.GITHUB_API_URL).origin}/__berth/app`,
).then(
  (r) => r.ok,
  () => false,
);
