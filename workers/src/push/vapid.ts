import { importJWK, SignJWT } from "jose";
import { fromBase64Url, toBase64Url } from "./base64url.ts";

/**
 * VAPID (RFC 8292): the Worker identifies itself to push services with an ES256 JWT signed by its
 * application server key, the key browsers subscribed with (GET /api/push/config hands it out).
 */
export interface VapidKeys {
  /** The private P-256 JWK (the VAPID_PRIVATE_KEY secret). */
  privateJwk: JsonWebKey;
  /** The public key as browsers want it: the uncompressed point (65 bytes), base64url. */
  publicKey: string;
  /** The JWT's `sub`: a mailto: or https: contact for the push service's operator. */
  subject: string;
}

/** Push services refuse tokens valid for more than 24 hours (RFC 8292 §2); 12 leaves room for clock skew. */
export const vapidTokenLifetimeSeconds = 12 * 60 * 60;

/** Parses the secret (a private P-256 JWK as JSON); throws a message that never quotes it. */
export function parseVapidKeys(secret: string, subject: string): VapidKeys {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(secret) as JsonWebKey;
  } catch {
    throw new Error("VAPID_PRIVATE_KEY is not valid JSON");
  }
  const x = typeof jwk.x === "string" ? fromBase64Url(jwk.x) : null;
  const y = typeof jwk.y === "string" ? fromBase64Url(jwk.y) : null;
  if (
    jwk.kty !== "EC" ||
    jwk.crv !== "P-256" ||
    typeof jwk.d !== "string" ||
    x?.length !== 32 ||
    y?.length !== 32
  )
    throw new Error('VAPID_PRIVATE_KEY must be a private P-256 JWK (kty "EC", crv "P-256", x, y, d)');
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  return { privateJwk: jwk, publicKey: toBase64Url(point), subject };
}

/** The `Authorization` header for one push request: `vapid t=<JWT>, k=<public key>` (RFC 8292 §3). */
export async function vapidAuthorization(keys: VapidKeys, endpoint: string, nowMs: number): Promise<string> {
  const key = await importJWK(
    { ...keys.privateJwk, alg: "ES256" } as Parameters<typeof importJWK>[0],
    "ES256",
  );
  const now = Math.floor(nowMs / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    // The audience is the push service's origin, never the full (capability) endpoint URL.
    .setAudience(new URL(endpoint).origin)
    .setExpirationTime(now + vapidTokenLifetimeSeconds)
    .setSubject(keys.subject)
    .sign(key);
  return `vapid t=${token}, k=${keys.publicKey}`;
}
