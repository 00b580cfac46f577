/**
 * The App's own JWT (RS256): what it shows GitHub to look up installations and mint installation
 * tokens. GitHub rejects an `exp` more than 10 minutes ahead and an `iat` in the future; `iat` is
 * backdated 60 s against clock drift, as GitHub recommends.
 */

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array | string): string {
  const raw = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Seconds the JWT lives from now: under GitHub's 10-minute ceiling even with a few seconds of skew. */
export const appJwtLifetimeSeconds = 9 * 60;

export async function signAppJwt(key: CryptoKey, appId: string, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ iat: now - 60, exp: now + appJwtLifetimeSeconds, iss: appId }));
  const input = `${header}.${payload}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, encoder.encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}
