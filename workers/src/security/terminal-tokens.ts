import { terminalTokenAlgorithm, terminalTokenIssuer, terminalTokenTtlSeconds } from "@berth/protocol";
import { importJWK, type JWK, SignJWT } from "jose";

/** The signing key is a private EC P-256 JWK (JSON) held as a Worker secret. */
export function parseSigningJwk(json: string): JWK {
  const jwk = JSON.parse(json) as JWK;
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.d) {
    throw new Error("TERMINAL_SIGNING_KEY must be a private P-256 JWK");
  }
  return jwk;
}

/** The half that goes into cloud-init for the agent to verify with. */
export function publicJwk(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, y, alg: terminalTokenAlgorithm, use: "sig" };
}

export async function signTerminalToken(
  jwk: JWK,
  claims: { workspaceId: string; userId: string },
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const key = await importJWK(jwk, terminalTokenAlgorithm);
  const iat = Math.floor(now / 1000);
  const exp = iat + terminalTokenTtlSeconds;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: terminalTokenAlgorithm, typ: "JWT" })
    .setIssuer(terminalTokenIssuer)
    .setAudience(claims.workspaceId)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    // Single use: the agent remembers each jti until the token expires and refuses a replay.
    .setJti(crypto.randomUUID())
    .sign(key);
  return { token, expiresAt: new Date(exp * 1000) };
}
