import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";

/**
 * The GitHub App's RSA key and its JWTs. GitHub hands an App's owner a PKCS#1 PEM ("BEGIN RSA
 * PRIVATE KEY"), so the stand-in generates and exports exactly that; a PKCS#8 PEM is accepted too.
 */

/** A fresh 2048-bit App key as GitHub hands it out: PKCS#1 PEM. */
export function generateGithubAppKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

export interface AppKey {
  /** The PEM the control plane is configured with (PKCS#1 unless given otherwise). */
  pem: string;
  publicKey: KeyObject;
}

export function loadAppKey(pem: string): AppKey {
  // Keys pasted through env files often carry literal "\n" escapes.
  const text = pem.replace(/\\n/g, "\n").trim();
  const privateKey = createPrivateKey(text);
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error("the GitHub App key must be an RSA key");
  return { pem: `${text}\n`, publicKey: createPublicKey(privateKey) };
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");

/** Signs an App JWT (RS256); what the control plane does with WebCrypto. Tests use it. */
export function signAppJwt(pem: string, claims: Record<string, unknown>, alg = "RS256"): string {
  const input = `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign("RSA-SHA256", Buffer.from(input), pem.replace(/\\n/g, "\n"));
  return `${input}.${signature.toString("base64url")}`;
}

/** GitHub's messages for a JWT it refuses (401, documentation_url https://docs.github.com/rest). */
export const JWT_ERRORS = {
  undecodable: "A JSON web token could not be decoded",
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooLong: "'Expiration time' claim ('exp') is too far in the future",
  issuedAt:
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  issuer: "'Issuer' claim ('iss') must be an Integer",
} as const;

/** GitHub's limits: `exp` at most 10 minutes ahead; an `iat` up to a minute ahead is clock drift. */
export const JWT_MAX_LIFETIME_S = 600;
export const JWT_CLOCK_SKEW_S = 60;

function parseSegment(segment: string | undefined): Record<string, unknown> | null {
  if (!segment) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * Checks an App JWT the way GitHub does: RS256 signature by the App's key, `iss` the App id (or
 * its client id), `exp` in the future but at most 10 minutes ahead, `iat` not in the future.
 * Returns null when good, else the message GitHub answers with 401.
 */
export function checkAppJwt(
  jwt: string,
  app: { id: number; clientId: string; key: AppKey },
  nowMs: number,
): string | null {
  const [h, p, s] = jwt.split(".");
  const header = parseSegment(h);
  const payload = parseSegment(p);
  if (!header || !payload || !s || header.alg !== "RS256") return JWT_ERRORS.undecodable;
  const iss = payload.iss;
  if (typeof iss !== "number" && typeof iss !== "string") return JWT_ERRORS.issuer;
  if (String(iss) !== String(app.id) && iss !== app.clientId) return JWT_ERRORS.undecodable;
  const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), app.key.publicKey, Buffer.from(s, "base64url"));
  if (!ok) return JWT_ERRORS.undecodable;
  const now = Math.floor(nowMs / 1000);
  const { exp, iat } = payload;
  if (typeof iat !== "number" || !Number.isInteger(iat) || iat > now + JWT_CLOCK_SKEW_S)
    return JWT_ERRORS.issuedAt;
  if (typeof exp !== "number" || exp <= now) return JWT_ERRORS.expired;
  if (exp > now + JWT_MAX_LIFETIME_S || exp - iat > JWT_MAX_LIFETIME_S + JWT_CLOCK_SKEW_S)
    return JWT_ERRORS.tooLong;
  return null;
}
