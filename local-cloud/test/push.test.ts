import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud } from "../src/index.ts";
import { decryptPushMessage, fromB64u, receiverKeysFrom } from "../src/push/ece.ts";
import { startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startEphemeral();
});
afterAll(() => cloud.stop());
beforeEach(() => fetch(`${cloud.urls.push}/__berth/reset`, { method: "POST" }));

/** An application server (the Worker's role): a P-256 key and the VAPID header it signs. */
function applicationServer() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const k = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? "", "base64url"),
    Buffer.from(jwk.y ?? "", "base64url"),
  ]);
  const authorization = (claims: Record<string, unknown>, key = privateKey) => {
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const input = `${part({ typ: "JWT", alg: "ES256" })}.${part(claims)}`;
    const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
    return `vapid t=${input}.${sig}, k=${k.toString("base64url")}`;
  };
  return { authorization, publicKey: k.toString("base64url") };
}

async function subscribe(body: Record<string, unknown> = {}) {
  const res = await fetch(`${cloud.urls.push}/__berth/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; endpoint: string; keys: { p256dh: string; auth: string } };
}

const now = () => Math.floor(Date.now() / 1000);

describe("push service stand-in", () => {
  it("decrypts RFC 8291's example message (Appendix A) with the receiver's keys", async () => {
    const uaPublic = fromB64u(
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    );
    const keys = receiverKeysFrom(
      {
        kty: "EC",
        crv: "P-256",
        x: Buffer.from(uaPublic.slice(1, 33)).toString("base64url"),
        y: Buffer.from(uaPublic.slice(33)).toString("base64url"),
        d: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
      },
      fromB64u("BTBZMqHH6r4Tts7J_aSIgg"),
    );
    const body = fromB64u(
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    );
    expect(await decryptPushMessage(body, keys)).toBe("When I grow up, I want to be a watermelon");
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    await expect(decryptPushMessage(body, keys)).rejects.toThrow(/authentication failed/);
  });

  it("accepts a signed push: 201 with a Location, recorded with its VAPID claims", async () => {
    const server = applicationServer();
    const sub = await subscribe({ application_server_key: server.publicKey });
    const aud = new URL(sub.endpoint).origin;
    const res = await fetch(sub.endpoint, {
      method: "POST",
      headers: {
        ttl: "60",
        urgency: "high",
        authorization: server.authorization({ aud, exp: now() + 3600, sub: "mailto:a@b.c" }),
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toMatch(/^\/m\//);
    const messages = (await (await fetch(`${cloud.urls.push}/__berth/messages`)).json()) as Array<
      Record<string, unknown>
    >;
    expect(messages).toMatchObject([
      { subscription: sub.id, ttl: 60, urgency: "high", vapid: { aud, sub: "mailto:a@b.c" } },
    ]);
  });

  it("answers bad requests the way push services do", async () => {
    const server = applicationServer();
    const other = applicationServer();
    const sub = await subscribe({ application_server_key: server.publicKey });
    const aud = new URL(sub.endpoint).origin;
    const good = { aud, exp: now() + 3600, sub: "mailto:a@b.c" };
    const post = (headers: Record<string, string>, url = sub.endpoint, body?: Uint8Array) =>
      fetch(url, { method: "POST", headers, ...(body ? { body } : {}) }).then((r) => r.status);

    expect(await post({ authorization: server.authorization(good) })).toBe(400); // no TTL
    expect(await post({ ttl: "60", urgency: "urgent", authorization: server.authorization(good) })).toBe(400);
    expect(await post({ ttl: "60" })).toBe(401); // no VAPID
    expect(await post({ ttl: "60", authorization: "vapid t=abc, k=def" })).toBe(401);
    // Signed by another key than k=, for another audience, expired, or living too long.
    const forged = server.authorization(good).replace(/k=.*/, `k=${other.publicKey}`);
    expect(await post({ ttl: "60", authorization: forged })).toBe(403);
    expect(
      await post({
        ttl: "60",
        authorization: server.authorization({ ...good, aud: "https://elsewhere.example" }),
      }),
    ).toBe(403);
    expect(await post({ ttl: "60", authorization: server.authorization({ ...good, exp: now() - 10 }) })).toBe(
      403,
    );
    expect(
      await post({ ttl: "60", authorization: server.authorization({ ...good, exp: now() + 25 * 3600 }) }),
    ).toBe(403);
    // Validly signed, but not with the key the subscription was made for.
    expect(await post({ ttl: "60", authorization: other.authorization(good) })).toBe(403);
    const big = new Uint8Array(4097);
    expect(
      await post(
        { ttl: "60", "content-encoding": "aes128gcm", authorization: server.authorization(good) },
        sub.endpoint,
        big,
      ),
    ).toBe(413);
    expect(
      await post(
        { ttl: "60", "content-encoding": "aesgcm", authorization: server.authorization(good) },
        sub.endpoint,
        new Uint8Array(200),
      ),
    ).toBe(400);
    expect(
      await post({ ttl: "60", authorization: server.authorization(good) }, `${aud}/push/v1/unknown`),
    ).toBe(404);
    await fetch(`${cloud.urls.push}/__berth/subscriptions/${sub.id}`, { method: "DELETE" });
    expect(await post({ ttl: "60", authorization: server.authorization(good) })).toBe(410);
    const messages = (await (await fetch(`${cloud.urls.push}/__berth/messages`)).json()) as unknown[];
    expect(messages).toEqual([]);
  });

  it("applies injected faults to pushes", async () => {
    const server = applicationServer();
    const sub = await subscribe();
    await fetch(`${cloud.urls.push}/__berth/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/push/", status: 429 }),
    });
    const res = await fetch(sub.endpoint, {
      method: "POST",
      headers: {
        ttl: "60",
        authorization: server.authorization({
          aud: new URL(sub.endpoint).origin,
          exp: now() + 60,
          sub: "mailto:a@b.c",
        }),
      },
    });
    expect(res.status).toBe(429);
  });
});
