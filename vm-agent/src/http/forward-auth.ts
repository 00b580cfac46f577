/**
 * Caddy's `forward_auth` check for forwarded ports: before proxying `<port>.<hostname>` to the
 * user's dev server, Caddy asks us (GET /caddy/forward-auth, with the client's headers plus
 * X-Forwarded-Host/Uri/Method). A 2xx lets the request through; anything else Caddy sends to the
 * client as is — so a `?token=` on a port host is exchanged here for our cookie, exactly like on
 * the terminal host, for a cookie of the port host's own (host-only, signed for that one host).
 * Requests that can change state (anything but GET/HEAD/OPTIONS) must come from a page of this
 * workspace: other workspaces share the parent domain (same-site), so the Lax cookie alone would
 * let a page on someone else's port POST into this one with the owner's cookie.
 * Ports the owner made public pass without a cookie; CORS preflights pass to the app (they carry
 * no credentials); a port where nothing listens gets a page saying so rather than a proxy error.
 */
import { errorCodes } from "@berth/protocol/agent";
import { certDomainPort, isAllowedCertDomain } from "./ask.ts";
import { type Auth, exchangeToken, isWorkspaceOrigin } from "./auth.ts";
import { errorResponse, unauthorized } from "./respond.ts";

/** Whether `host` (a Host header value, maybe with :port) is `<port>.<hostname>`. */
export function isPortHost(host: string | null, hostname: string): boolean {
  if (!host) return false;
  const name = host.trim().toLowerCase().replace(/:\d*$/, "").replace(/\.$/, "");
  return name !== hostname && isAllowedCertDomain(name, hostname);
}

const loginPage = `<!doctype html>
<meta charset="utf-8">
<title>Private port</title>
<p>This forwarded port is private to the workspace's owner.</p>
<p>Open it from the workspace terminal or the Berth dashboard (your login may have expired).</p>
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a port's hostname shows once nothing listens there (instead of Caddy's bare 502). */
function nothingListening(port: number, hostname: string, accept: string): Response {
  const message = `Nothing is listening on port ${port} in this workspace. Start a server on it (on 0.0.0.0) and reload.`;
  if (!accept.includes("text/html")) return errorResponse(502, errorCodes.upstream, message);
  const page = `<!doctype html>
<meta charset="utf-8">
<title>Port ${port}: nothing listening</title>
<h1>Port ${port} is not open</h1>
<p>Nothing is listening on port ${port} in workspace ${escapeHtml(hostname)}.</p>
<p>Start a server on it (listening on 0.0.0.0) and reload this page.</p>
`;
  return new Response(page, {
    status: 502,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

/** The agent's knowledge of forwarded ports: which the owner made public, which listen now. */
export interface ForwardedPorts {
  isPublic(port: number): boolean;
  /** Absent: not checked (Caddy's own error shows when nothing listens). */
  isListening?(port: number): Promise<boolean>;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export async function forwardAuth(
  req: Request,
  auth: Auth,
  hostname: string,
  ports: ForwardedPorts = { isPublic: () => false },
): Promise<Response> {
  const h = req.headers;
  const host = h.get("x-forwarded-host") ?? h.get("host");
  if (!isPortHost(host, hostname)) {
    return errorResponse(403, errorCodes.forbidden, "not a forwarded-port host of this workspace");
  }
  const portHost = (host ?? "").trim().toLowerCase().replace(/:\d*$/, "").replace(/\.$/, "");
  const method = (h.get("x-forwarded-method") ?? "GET").toUpperCase();
  const uri = h.get("x-forwarded-uri") ?? "/";
  // A relative URL resolved against a dummy base: only the path and query matter here.
  const original = new URL(uri.startsWith("/") ? uri : `/${uri}`, "http://port.invalid");

  const exchanged = await exchangeToken(auth, method, original, portHost);
  if (exchanged) return exchanged;

  const port = certDomainPort(portHost, hostname) ?? 0;
  const accept = h.get("accept") ?? "";
  const open = async () =>
    (await ports.isListening?.(port)) === false
      ? nothingListening(port, hostname, accept)
      : new Response(null, { status: 200 });
  // Public: anyone with the URL, no login. Caddy strips Berth's cookies before the app either way.
  if (ports.isPublic(port)) return open();
  // A CORS preflight carries no credentials and changes nothing: the app answers it.
  if (method === "OPTIONS" && h.has("access-control-request-method")) return open();

  // A WebSocket handshake is a GET, but opens a two-way channel with the owner's cookie: the same
  // rule applies (browsers always send Origin on one).
  const websocket = h.has("sec-websocket-key");
  if ((websocket || !safeMethods.has(method)) && !isWorkspaceOrigin(h.get("origin"), hostname)) {
    const what = websocket ? "a WebSocket" : `a ${method}`;
    return errorResponse(
      403,
      errorCodes.forbidden,
      `${what} to a private port must come from a page of this workspace (Origin)`,
    );
  }
  if (auth.cookieUser(req, portHost) !== null) return open();
  if (method === "GET" && accept.includes("text/html")) {
    return new Response(loginPage, {
      status: 401,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return unauthorized("this forwarded port is private: open it from the workspace terminal or dashboard");
}
