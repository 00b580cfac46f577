/**
 * ES256 JWT verification with WebCrypto, for the terminal tokens the control plane mints. jose
 * did this before; it is replaced because the agent verifies exactly one kind of token, and
 * jose's import and first use cost the compiled agent ~4 MB of resident memory on every VM.
 * The rules are jose's jwtVerify with the options the agent used (test/http/jwt.test.ts runs
 * both over the same tokens): compact JWS, `alg` ES256 only, no `crit` extensions, an exact
 * `iss`, `aud` (a string or a list) naming this workspace, `exp` required and in the future,
 * `nbf` if given not in the future (both with a clock tolerance), `iat` a number if given, and
 * `sub` and `jti` required.
 */
const ecdsa = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The public half of a P-256 JWK (other members, a private `d` among them, are ignored). */
export async function importEs256PublicKey(jwk: Record<string, unknown>): Promise<CryptoKey> {
  if (jwk.kty !== "EC" || jwk.crv !== "P-256")
    throw new Error("the terminal token key is not a P-256 EC key");
  const { kty, crv, x, y } = jwk as Record<string, string>;
  return crypto.subtle.importKey("jwk", { kty, crv, x, y }, ecdsa, false, ["verify"]);
}

export interface JwtRules {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  nowMs: number;
}

export interface JwtClaims {
  sub: string;
  jti: string;
  exp: number;
}

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

const base64url = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): unknown {
  if (!base64url.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export async function verifyEs256Jwt(token: string, key: CryptoKey, rules: JwtRules): Promise<JwtResult> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed token" };
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  const header = decodeJson(headerPart);
  if (!isObject(header)) return { ok: false, reason: "malformed token header" };
  if (header.alg !== "ES256") return { ok: false, reason: "token algorithm not allowed" };
  if ("crit" in header) return { ok: false, reason: "unsupported token header (crit)" };
  const signature = base64url.test(signaturePart) ? Buffer.from(signaturePart, "base64url") : null;
  // JWS ES256 signatures are r || s, 32 bytes each: the form WebCrypto verifies.
  if (signature?.length !== 64) return { ok: false, reason: "bad token signature" };
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed);
  if (!valid) return { ok: false, reason: "bad token signature" };
  const payload = decodeJson(payloadPart);
  if (!isObject(payload)) return { ok: false, reason: "malformed token payload" };
  return checkClaims(payload, rules);
}

function checkClaims(p: Record<string, unknown>, rules: JwtRules): JwtResult {
  const now = Math.floor(rules.nowMs / 1000);
  const tolerance = rules.clockToleranceSeconds;
  for (const claim of ["iat", "nbf", "exp"] as const) {
    if (claim in p && typeof p[claim] !== "number")
      return { ok: false, reason: `token "${claim}" is not a number` };
  }
  if (p.iss !== rules.issuer) return { ok: false, reason: "wrong token issuer" };
  const audiences = typeof p.aud === "string" ? [p.aud] : Array.isArray(p.aud) ? p.aud : [];
  if (!audiences.includes(rules.audience)) return { ok: false, reason: "wrong token audience" };
  if (typeof p.exp !== "number") return { ok: false, reason: 'token has no "exp"' };
  if (typeof p.sub !== "string") return { ok: false, reason: 'token has no "sub"' };
  if (typeof p.jti !== "string") return { ok: false, reason: 'token has no "jti"' };
  if (typeof p.nbf === "number" && p.nbf > now + tolerance)
    return { ok: false, reason: "token not yet valid" };
  if (p.exp <= now - tolerance) return { ok: false, reason: "token expired" };
  return { ok: true, claims: { sub: p.sub, jti: p.jti, exp: p.exp } };
}
