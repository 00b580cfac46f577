import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "../env.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a person on neither allow-list sees after GitHub sends them back. */
export function notInvitedPage(login: string | undefined): string {
  const who = login
    ? `The GitHub account <strong>@${escapeHtml(login)}</strong> is`
    : "Your GitHub account is";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not invited to this Berth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body{font-family:system-ui,sans-serif;background:#f6f8fa;color:#1f2328;margin:0}
main{max-width:480px;margin:64px auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px 28px}
h1{font-size:20px;margin:0 0 12px}p{line-height:1.5}a{color:#0969da}</style></head>
<body><main><h1>Not invited to this Berth</h1>
<p>${who} not invited to this Berth, so nothing was created for it. Ask whoever runs it to add your
login to <code>ALLOWED_GITHUB_LOGINS</code>, or to add an organization you belong to to
<code>ALLOWED_GITHUB_ORGS</code>.</p>
<p>Signed in to GitHub with the wrong account? Sign out of GitHub first, then try again.</p>
<p><a href="/">Back to the sign-in page</a></p></main></body></html>`;
}

// A page for browsers that better-auth redirects to, not an API call: kept out of the document.
const notInvited = createRoute({
  hide: true,
  method: "get",
  path: "/",
  tags: ["account"],
  summary: "The page shown when a GitHub account is on neither allow-list",
  request: { query: z.object({ login: z.string().max(39).optional() }) },
  responses: { 403: { description: "Not invited", content: { "text/html": { schema: z.string() } } } },
});

export const notInvitedRoutes = new OpenAPIHono<{ Bindings: Env }>().openapi(notInvited, (c) => {
  c.header("cache-control", "no-store");
  return c.html(notInvitedPage(c.req.valid("query").login), 403);
});
