/**
 * Browser authentication for the terminal host and the forwarded-port hosts. The dashboard sends
 * the browser here once with a short-lived ES256 terminal token (`?token=`); we verify it with the
 * control plane's public key, refuse a token seen before (its `jti`), and swap it for our own
 * cookie. The cookie is an HMAC under a key that lives only in this process, never the JWT: the
 * JWT is a bearer credential with a workspace-wide audience, and an agent restart simply sends the
 * user back to the dashboard for a new one.
 *
 * Cookies are host-only (no Domain): the terminal host's cookie never reaches a forwarded port's
 * app, and each port host gets its own cookie, signed for that one host.
 */
import {
  portCookieName,
  terminalCookieName,
  terminalTokenIssuer,
  terminalTokenQueryParam,
} from "@berth/protocol/agent";
import { importEs256PublicKey, verifyEs256Jwt } from "./jwt.ts";
import { unauthorized } from "./respond.ts";

/** Cookie lifetime; longer than any VM's usual life, shorter than forever. */
export const cookieTtlSeconds = 12 * 60 * 60;
/** Clock skew tolerated between the control plane and this VM. */
const clockToleranceSeconds = 30;

export interface AuthOptions {
  workspaceId: string;
  /** The workspace hostname: its cookie is the terminal cookie, any other host's a port cookie. */
  hostname: string;
  publicJwk: Record<string, unknown>;
  secureCookies: boolean;
  now: () => number;
}

export type TokenResult = { ok: true; sub: string } | { ok: false; reason: string };

export interface Auth {
  /** Verifies a terminal token and uses it up: the same token is refused the second time. */
  verifyToken(token: string): Promise<TokenResult>;
  /** A Set-Cookie header value granting `sub` access to `host` (the workspace or a port host). */
  issueCookie(sub: string, host: string): string;
  /** The user whose cookie for `host` the request carries, or null. */
  cookieUser(req: Request, host: string): string | null;
}

/** Remembers used token ids until their tokens expire (after that the expiry refuses them). */
class UsedTokens {
  private readonly until = new Map<string, number>();
  /** False when `jti` was used before. */
  use(jti: string, expiresAtMs: number, now: number): boolean {
    for (const [id, t] of this.until) if (t < now) this.until.delete(id);
    if (this.until.has(jti)) return false;
    this.until.set(jti, expiresAtMs);
    return true;
  }
}

export async function createAuth(opts: AuthOptions): Promise<Auth> {
  const key = await importEs256PublicKey(opts.publicJwk);
  const hmacKey = crypto.getRandomValues(new Uint8Array(32));
  const hostname = opts.hostname.toLowerCase();
  const used = new UsedTokens();
  const nameFor = (host: string) => (host === hostname ? terminalCookieName : portCookieName);
  // The host is part of what is signed: a port host's cookie is worth nothing anywhere else.
  const sign = (host: string, payload: string) =>
    new Bun.CryptoHasher("sha256", hmacKey).update(`${host}\n${payload}`).digest("base64url");

  return {
    async verifyToken(token) {
      const r = await verifyEs256Jwt(token, key, {
        issuer: terminalTokenIssuer,
        audience: opts.workspaceId,
        clockToleranceSeconds,
        nowMs: opts.now(),
      });
      if (!r.ok) return r;
      const expiresAtMs = (r.claims.exp + clockToleranceSeconds) * 1000;
      if (!used.use(r.claims.jti, expiresAtMs, opts.now()))
        return { ok: false, reason: "token already used" };
      return { ok: true, sub: r.claims.sub };
    },

    issueCookie(sub, host) {
      const exp = Math.floor(opts.now() / 1000) + cookieTtlSeconds;
      const payload = `v1.${exp}.${Buffer.from(sub).toString("base64url")}`;
      const attrs = [
        `${nameFor(host)}=${payload}.${sign(host, payload)}`,
        "Path=/",
        "HttpOnly",
        "SameSite=Lax",
        `Max-Age=${cookieTtlSeconds}`,
      ];
      if (opts.secureCookies) attrs.push("Secure");
      return attrs.join("; ");
    },

    cookieUser(req, host) {
      const value = readCookie(req.headers.get("cookie"), nameFor(host));
      if (!value) return null;
      const parts = value.split(".");
      if (parts.length !== 4 || parts[0] !== "v1") return null;
      const [, expRaw = "", subRaw = "", sig = ""] = parts;
      const expected = Buffer.from(sign(host, `v1.${expRaw}.${subRaw}`));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
      if (!(Number(expRaw) * 1000 > opts.now())) return null;
      return Buffer.from(subRaw, "base64url").toString();
    },
  };
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * A path that can only lead to this same host: one leading slash, no backslash, no control
 * characters, and none of those hidden behind percent-encoding either. Anything else is `/`.
 * (`//evil.example/` or `/\evil.example/` in a Location header would take the browser off-site.)
 */
export function sameHostPath(pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return "/";
  }
  for (const p of [pathname, decoded]) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (!p.startsWith("/") || p.startsWith("//") || p.includes("\\") || /[\x00-\x1f\x7f]/.test(p)) return "/";
  }
  const probe = new URL(pathname, "http://same.invalid");
  return probe.host === "same.invalid" ? pathname : "/";
}

/** The token from `?token=`, and the same URL without it (path + remaining query) to redirect to. */
export function takeToken(url: URL): { token: string; rest: string } | null {
  const token = url.searchParams.get(terminalTokenQueryParam);
  if (token === null) return null;
  const params = new URLSearchParams(url.search);
  params.delete(terminalTokenQueryParam);
  const query = params.toString();
  return { token, rest: `${sameHostPath(url.pathname)}${query ? `?${query}` : ""}` };
}

/**
 * The first request carries `?token=<terminal token>`: verify it, answer with our own cookie for
 * `host` and a redirect to the same URL without the token. Null when the URL carries no token.
 * Shared by the terminal host and the forwarded-port check, so both log people in the same way.
 */
export async function exchangeToken(
  auth: Auth,
  method: string,
  url: URL,
  host: string,
): Promise<Response | null> {
  const taken = takeToken(url);
  if (!taken) return null;
  if (method.toUpperCase() !== "GET") return unauthorized("tokens are only accepted on GET");
  const result = await auth.verifyToken(taken.token);
  if (!result.ok) return unauthorized(`terminal token rejected: ${result.reason}`);
  return new Response(null, {
    status: 302,
    headers: {
      location: taken.rest,
      "set-cookie": auth.issueCookie(result.sub, host),
      "cache-control": "no-store",
    },
  });
}

export function isLocalHostname(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

/**
 * Whether a browser Origin is this workspace's own page: `https://<hostname>`, or for local
 * hostnames (`*.localhost`) also plain http on any port. Forwarded-port hosts
 * (`<port>.<hostname>`) run arbitrary user code and are deliberately not allowed.
 */
export function isOwnOrigin(origin: string | null, hostname: string): boolean {
  const url = originUrl(origin);
  return url !== null && url.hostname === hostname.toLowerCase() && schemeFits(url);
}

/**
 * Whether a browser Origin is one of the workspace's own hosts: `<hostname>` or any of its
 * `<port>.<hostname>` hosts (the same person's pages), with the scheme rule of `isOwnOrigin`.
 */
export function isWorkspaceOrigin(origin: string | null, hostname: string): boolean {
  const url = originUrl(origin);
  if (url === null || !schemeFits(url)) return false;
  const host = hostname.toLowerCase();
  if (url.hostname === host) return true;
  if (!url.hostname.endsWith(`.${host}`)) return false;
  const label = url.hostname.slice(0, -(host.length + 1));
  return /^[1-9][0-9]{0,4}$/.test(label) && Number(label) <= 65535;
}

function originUrl(origin: string | null): URL | null {
  if (!origin) return null;
  try {
    return new URL(origin);
  } catch {
    return null;
  }
}

function schemeFits(url: URL): boolean {
  if (url.protocol === "https:") return url.port === "";
  return url.protocol === "http:" && isLocalHostname(url.hostname);
}

const loopbackAddresses = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * A request made straight to the agent from this machine (the CLI, Caddy's `ask`), as opposed to
 * one Caddy proxied: Caddy always sets X-Forwarded-For, and connects from loopback itself.
 */
export function isDirectLoopback(req: Request, remoteAddress: string | undefined): boolean {
  return (
    remoteAddress !== undefined && loopbackAddresses.has(remoteAddress) && !req.headers.has("x-forwarded-for")
  );
}
