/**
 * Browser authentication for the terminal host. The dashboard sends the browser here once with a
 * short-lived ES256 terminal token (`?token=`); we verify it with the control plane's public key
 * and swap it for our own cookie. The cookie is an HMAC under a key that lives only in this
 * process, never the JWT: the JWT is a bearer credential with a workspace-wide audience, and an
 * agent restart simply sends the user back to the dashboard for a new one.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  terminalCookieName,
  terminalTokenAlgorithm,
  terminalTokenIssuer,
  terminalTokenQueryParam,
} from "@berth/protocol";
import { importJWK, type JWK, jwtVerify } from "jose";
import { unauthorized } from "./respond.ts";

/** Cookie lifetime; longer than any VM's usual life, shorter than forever. */
export const cookieTtlSeconds = 12 * 60 * 60;
/** Clock skew tolerated between the control plane and this VM. */
const clockToleranceSeconds = 30;

export interface AuthOptions {
  workspaceId: string;
  /**
   * The workspace hostname, set as the cookie's Domain so the browser also sends it to the
   * forwarded-port hosts `<port>.<hostname>` (Caddy's forward_auth asks us about those).
   */
  cookieDomain: string;
  publicJwk: Record<string, unknown>;
  secureCookies: boolean;
  now: () => number;
}

export type TokenResult = { ok: true; sub: string } | { ok: false; reason: string };

export interface Auth {
  verifyToken(token: string): Promise<TokenResult>;
  /** A Set-Cookie header value granting access for `sub`. */
  issueCookie(sub: string): string;
  /** The user the request's cookie belongs to, or null. */
  cookieUser(req: Request): string | null;
}

export async function createAuth(opts: AuthOptions): Promise<Auth> {
  const key = await importJWK(opts.publicJwk as JWK, terminalTokenAlgorithm);
  const hmacKey = randomBytes(32);
  const sign = (payload: string) => createHmac("sha256", hmacKey).update(payload).digest("base64url");

  return {
    async verifyToken(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [terminalTokenAlgorithm],
          issuer: terminalTokenIssuer,
          audience: opts.workspaceId,
          clockTolerance: clockToleranceSeconds,
          currentDate: new Date(opts.now()),
          requiredClaims: ["exp", "sub"],
        });
        return { ok: true, sub: String(payload.sub) };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return { ok: false, reason: typeof code === "string" ? code : "invalid token" };
      }
    },

    issueCookie(sub) {
      const exp = Math.floor(opts.now() / 1000) + cookieTtlSeconds;
      const payload = `v1.${exp}.${Buffer.from(sub).toString("base64url")}`;
      const attrs = [
        `${terminalCookieName}=${payload}.${sign(payload)}`,
        "Path=/",
        `Domain=${opts.cookieDomain}`,
        "HttpOnly",
        "SameSite=Lax",
        `Max-Age=${cookieTtlSeconds}`,
      ];
      if (opts.secureCookies) attrs.push("Secure");
      return attrs.join("; ");
    },

    cookieUser(req) {
      const value = readCookie(req.headers.get("cookie"), terminalCookieName);
      if (!value) return null;
      const parts = value.split(".");
      if (parts.length !== 4 || parts[0] !== "v1") return null;
      const [, expRaw = "", subRaw = "", sig = ""] = parts;
      const expected = Buffer.from(sign(`v1.${expRaw}.${subRaw}`));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
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

/** The token from `?token=`, and the same URL without it (path + remaining query) to redirect to. */
export function takeToken(url: URL): { token: string; rest: string } | null {
  const token = url.searchParams.get(terminalTokenQueryParam);
  if (token === null) return null;
  const params = new URLSearchParams(url.search);
  params.delete(terminalTokenQueryParam);
  const query = params.toString();
  return { token, rest: `${url.pathname}${query ? `?${query}` : ""}` };
}

/**
 * The first request carries `?token=<terminal token>`: verify it, answer with our own cookie and a
 * redirect to the same URL without the token. Null when the URL carries no token. Shared by the
 * terminal host and the forwarded-port check, so both log people in the same way.
 */
export async function exchangeToken(auth: Auth, method: string, url: URL): Promise<Response | null> {
  const taken = takeToken(url);
  if (!taken) return null;
  if (method.toUpperCase() !== "GET") return unauthorized("tokens are only accepted on GET");
  const result = await auth.verifyToken(taken.token);
  if (!result.ok) return unauthorized(`terminal token rejected: ${result.reason}`);
  return new Response(null, {
    status: 302,
    headers: {
      location: taken.rest,
      "set-cookie": auth.issueCookie(result.sub),
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
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.hostname !== hostname.toLowerCase()) return false;
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
