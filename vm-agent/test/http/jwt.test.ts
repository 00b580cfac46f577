/**
 * The agent verifies terminal tokens with WebCrypto (src/http/jwt.ts) instead of jose. Every
 * token below goes through both, with the options the agent used to give jose: they must agree on
 * accept/refuse, and an accepted token must yield the same claims.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import { importEs256PublicKey, verifyEs256Jwt } from "../../src/http/jwt.ts";
import { makeKeys } from "../terminal/helpers.ts";

const aud = "ws_jwt";
const iss = "berth";
const tolerance = 30;
const nowMs = 1_900_000_000_000;
const now = nowMs / 1000;

let keys: Awaited<ReturnType<typeof makeKeys>>;
let otherKeys: Awaited<ReturnType<typeof makeKeys>>;
let key: CryptoKey;
let joseKey: CryptoKey;
beforeAll(async () => {
  keys = await makeKeys();
  otherKeys = await makeKeys();
  key = await importEs256PublicKey(keys.publicJwk);
  joseKey = (await importJWK(keys.publicJwk as JWK, "ES256")) as CryptoKey;
});

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const good = { iss, aud, sub: "u1", jti: "j1", iat: now, exp: now + 60 };

async function sign(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: "ES256" }) {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(keys.privateKey);
}

/** Signs whatever it is given, where jose's signer refuses to. */
async function rawSign(header: unknown, payload: unknown): Promise<string> {
  const signed = `${b64(header)}.${b64(payload)}`;
  const sig = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    keys.privateKey,
    new TextEncoder().encode(signed),
  );
  return `${signed}.${Buffer.from(sig).toString("base64url")}`;
}

/** Each case: a name and how to make its token. */
const cases: Array<[string, () => Promise<string>]> = [
  ["valid", () => sign(good)],
  ["audience in a list", () => sign({ ...good, aud: ["other", aud] })],
  ["audience list without us", () => sign({ ...good, aud: ["other"] })],
  ["wrong audience", () => sign({ ...good, aud: "ws_other" })],
  ["no audience", () => sign({ ...good, aud: undefined })],
  ["wrong issuer", () => sign({ ...good, iss: "evil" })],
  ["no issuer", () => sign({ ...good, iss: undefined })],
  ["no sub", () => sign({ ...good, sub: undefined })],
  ["no jti", () => sign({ ...good, jti: undefined })],
  ["no exp", () => sign({ ...good, exp: undefined })],
  ["exp a string", () => sign({ ...good, exp: String(now + 60) })],
  ["iat a string", () => sign({ ...good, iat: "now" })],
  ["expired beyond the tolerance", () => sign({ ...good, exp: now - tolerance })],
  ["expired within the tolerance", () => sign({ ...good, exp: now - tolerance + 1 })],
  ["nbf within the tolerance", () => sign({ ...good, nbf: now + tolerance })],
  ["nbf beyond the tolerance", () => sign({ ...good, nbf: now + tolerance + 1 })],
  ["iat in the future (no max age: allowed)", () => sign({ ...good, iat: now + 3600 })],
  ["typ JWT header", () => sign(good, { alg: "ES256", typ: "JWT" })],
  ["crit header", () => rawSign({ alg: "ES256", crit: ["exp"], exp: 1 }, good)],
  [
    "signed by another key",
    () => new SignJWT(good).setProtectedHeader({ alg: "ES256" }).sign(otherKeys.privateKey),
  ],
  [
    "payload swapped after signing",
    async () => {
      const [h, , s] = (await sign(good)).split(".");
      return `${h}.${b64({ ...good, sub: "admin" })}.${s}`;
    },
  ],
  [
    "signature bit flipped",
    async () => {
      const [h, p, s = ""] = (await sign(good)).split(".");
      const sig = Buffer.from(s, "base64url");
      sig[5] = (sig[5] ?? 0) ^ 1;
      return `${h}.${p}.${sig.toString("base64url")}`;
    },
  ],
  ["alg none", async () => `${b64({ alg: "none" })}.${b64(good)}.`],
  [
    "alg HS256 header on an ES256 signature",
    async () => {
      const [, p, s] = (await sign(good)).split(".");
      return `${b64({ alg: "HS256" })}.${p}.${s}`;
    },
  ],
  ["payload is a JSON array", () => rawSign({ alg: "ES256" }, [good])],
  ["b64 false without crit (ignored)", () => rawSign({ alg: "ES256", b64: false }, good)],
  ["two parts", async () => (await sign(good)).split(".").slice(0, 2).join(".")],
  ["four parts", async () => `${await sign(good)}.x`],
  ["garbage", async () => "not-a-token"],
  ["empty", async () => ""],
  ["header not JSON", async () => `${b64("{nope")}.${b64(good)}.${"A".repeat(86)}`],
];

describe("WebCrypto ES256 verification agrees with jose", () => {
  test.each(cases)("%s", async (_, make) => {
    const token = await make();
    const ours = await verifyEs256Jwt(token, key, {
      issuer: iss,
      audience: aud,
      clockToleranceSeconds: tolerance,
      nowMs,
    });
    const theirs = await jwtVerify(token, joseKey, {
      algorithms: ["ES256"],
      issuer: iss,
      audience: aud,
      clockTolerance: tolerance,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp", "sub", "jti"],
    }).then(
      (r) => r.payload,
      () => null,
    );
    expect(ours.ok).toBe(theirs !== null);
    if (ours.ok && theirs)
      expect(ours.claims).toEqual({ sub: theirs.sub, jti: theirs.jti, exp: theirs.exp } as never);
  });

  test("the valid case is accepted (the table is not all refusals)", async () => {
    const r = await verifyEs256Jwt(await sign(good), key, {
      issuer: iss,
      audience: aud,
      clockToleranceSeconds: 30,
      nowMs,
    });
    expect(r).toEqual({ ok: true, claims: { sub: "u1", jti: "j1", exp: now + 60 } });
  });

  test("only a P-256 EC public key is accepted; a private member is ignored", async () => {
    await expect(importEs256PublicKey({ ...keys.publicJwk, crv: "P-384" })).rejects.toThrow("P-256");
    await expect(importEs256PublicKey({ kty: "RSA", n: "x", e: "AQAB" })).rejects.toThrow("P-256");
    const withD = await importEs256PublicKey({ ...keys.publicJwk, d: "ignored" });
    expect(withD.type).toBe("public");
  });
});
