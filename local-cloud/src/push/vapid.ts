import { webcrypto } from "node:crypto";
import { b64u, fromB64u } from "./ece.ts";

/** What a valid VAPID Authorization (RFC 8292) told the push service. */
export interface VapidClaims {
  aud: string;
  sub: string;
  exp: number;
  /** The application server key (k=), base64url. */
  key: string;
}

export type VapidResult =
  | { ok: true; claims: VapidClaims }
  | { ok: false; status: 401 | 403; reason: string };

const fail = (status: 401 | 403, reason: string): VapidResult => ({ ok: false, status, reason });

function parseJson(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Checks `Authorization: vapid t=<JWT>, k=<key>` as push services do: no or unreadable credentials
 * are 401; a token that does not verify with k, names another audience, is expired or lives
 * longer than 24 hours is 403.
 */
export async function verifyVapid(
  header: string | undefined,
  origin: string,
  nowSeconds: number,
): Promise<VapidResult> {
  const match = /^vapid\s+(.+)$/i.exec(header ?? "");
  if (!match?.[1]) return fail(401, "missing VAPID Authorization (vapid t=..., k=...)");
  const params = Object.fromEntries(
    match[1].split(",").map((p) => {
      const at = p.indexOf("=");
      return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim()];
    }),
  );
  const token = params.t;
  const key = params.k;
  if (!token || !key) return fail(401, "Authorization lacks t= or k=");
  const point = fromB64u(key);
  if (point.length !== 65 || point[0] !== 4) return fail(401, "k= is not an uncompressed P-256 public key");
  const [h, p, s] = token.split(".");
  const head = h ? parseJson(h) : null;
  const claims = p ? parseJson(p) : null;
  if (!head || !claims || !s) return fail(401, "t= is not a JWT");
  if (head.alg !== "ES256") return fail(401, "the JWT must be signed with ES256");
  let publicKey: Awaited<ReturnType<typeof webcrypto.subtle.importKey>>;
  try {
    publicKey = await webcrypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: b64u(point.slice(1, 33)), y: b64u(point.slice(33)) },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
  } catch {
    return fail(401, "k= is not a point on P-256");
  }
  const signed = await webcrypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    publicKey,
    fromB64u(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  if (!signed) return fail(403, "the JWT's signature does not verify with k=");
  if (claims.aud !== origin) return fail(403, `aud must be the push service's origin ${origin}`);
  if (typeof claims.exp !== "number" || claims.exp <= nowSeconds)
    return fail(403, "the JWT is expired (exp)");
  if (claims.exp > nowSeconds + 24 * 60 * 60) return fail(403, "exp is more than 24 hours ahead");
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub))
    return fail(403, "sub must be a mailto: or https: contact");
  return { ok: true, claims: { aud: claims.aud, sub: claims.sub, exp: claims.exp, key } };
}
