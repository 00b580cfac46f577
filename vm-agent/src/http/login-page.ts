/**
 * What someone sees when they open the workspace without a valid login cookie (a bookmark, another
 * browser, an expired login): a small page saying so, with a link to the workspace in the
 * dashboard, which opens the terminal with a fresh token. API and script callers (anything not
 * asking for HTML, or marked as XHR) keep the JSON error.
 */
import { unauthorized } from "./respond.ts";

const message = "open this terminal from the Berth dashboard (missing or expired login)";

/** The dashboard's page for this workspace (the Worker serves the dashboard at its public URL). */
export function dashboardWorkspaceUrl(controlPlaneUrl: string, workspaceId: string): string {
  return `${controlPlaneUrl.replace(/\/+$/, "")}/#/w/${encodeURIComponent(workspaceId)}`;
}

/** Whether the request is a browser navigation (wants a page) rather than an API/XHR call. */
export function wantsPage(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (req.headers.get("x-requested-with")) return false;
  const mode = req.headers.get("sec-fetch-mode");
  if (mode !== null && mode !== "navigate") return false;
  return (req.headers.get("accept") ?? "").includes("text/html");
}

export function unauthenticated(req: Request, dashboardUrl: string): Response {
  if (!wantsPage(req)) return unauthorized(message);
  return new Response(renderLoginPage(dashboardUrl), {
    status: 401,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  });
}

export function renderLoginPage(dashboardUrl: string): string {
  const href = escapeHtml(dashboardUrl);
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to this workspace - Berth</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 15vh auto; padding: 0 1rem; color: #222; }
  a.button { display: inline-block; padding: .5rem 1rem; background: #2563eb; color: #fff; border-radius: .375rem; text-decoration: none; }
  @media (prefers-color-scheme: dark) { body { background: #111; color: #ddd; } }
</style>
<h1>This terminal needs a fresh login</h1>
<p>You opened this workspace without a valid login for it: a bookmark, another browser, or a
login that expired. Terminal links from the dashboard carry a one-time token, so they cannot be
reused.</p>
<p><a class="button" href="${href}">Open this workspace in the Berth dashboard</a></p>
<p>From there, open the terminal again.</p>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
