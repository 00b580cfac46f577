/**
 * Caddy's `forward_auth` check for forwarded ports: before proxying `<port>.<hostname>` to the
 * user's dev server, Caddy asks us (GET /caddy/forward-auth, with the client's headers plus
 * X-Forwarded-Host/Uri/Method). A 2xx lets the request through; anything else Caddy sends to the
 * client as is — so a `?token=` on a port host is exchanged here for our cookie, exactly like on
 * the terminal host, for a cookie of the port host's own (host-only, signed for that one host).
 * Requests that can change state (anything but GET/HEAD/OPTIONS) must come from a page of this
 * workspace: other workspaces share the parent domain (same-site), so the Lax cookie alone would
 * let a page on someone else's port POST into this one with the owner's cookie.
 */
import { errorCodes } from "@berth/protocol/agent";
import { isAllowedCertDomain } from "./ask.ts";
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

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export async function forwardAuth(req: Request, auth: Auth, hostname: string): Promise<Response> {
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
  if (auth.cookieUser(req, portHost) !== null) return new Response(null, { status: 200 });
  if (method === "GET" && (h.get("accept") ?? "").includes("text/html")) {
    return new Response(loginPage, {
      status: 401,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return unauthorized("this forwarded port is private: open it from the workspace terminal or dashboard");
}
