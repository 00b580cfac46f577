import { env } from "cloudflare:workers";
import type { PushMessageRecord } from "@berth/local-cloud";
import { importJWK, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../src/push/base64url.ts";
import { notifyUser, type UserNotification } from "../src/push/notify.ts";
import { parseVapidKeys, vapidAuthorization } from "../src/push/vapid.ts";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { depsAt, readyWorkspace, vmCall, waitFor } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

const pushService = env.PUSH_LOCAL_SERVICE_URL ?? "";

interface StandInSubscription {
  id: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

async function publicKey(cookie: string): Promise<string> {
  const res = await api("/api/push/config", { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { public_key: string }).public_key;
}

/** What a browser does: subscribe at its push service with the key, then hand Berth the JSON. */
async function subscribeBrowser(cookie: string): Promise<StandInSubscription> {
  const res = await fetch(`${pushService}/__berth/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ application_server_key: await publicKey(cookie) }),
  });
  expect(res.status).toBe(201);
  const sub = (await res.json()) as StandInSubscription;
  const { id: _id, ...json } = sub;
  const saved = await postSubscription(cookie, json);
  expect(saved.status, await saved.clone().text()).toBe(201);
  return sub;
}

const postSubscription = (cookie: string, body: unknown) =>
  api("/api/push/subscriptions", { method: "POST", headers: { cookie }, body: JSON.stringify(body) });

async function received(sub: { id: string }): Promise<PushMessageRecord[]> {
  const all = (await (await fetch(`${pushService}/__berth/messages`)).json()) as PushMessageRecord[];
  return all.filter((m) => m.subscription === sub.id);
}

async function subscriptionRows(userId: string) {
  const { results } = await env.DB.prepare("select * from push_subscriptions where user_id = ?")
    .bind(userId)
    .all<Record<string, unknown>>();
  return results;
}

const done = (id: string): UserNotification => ({
  kind: "task_finished",
  title: "Task finished",
  body: `Task ${id} opened a pull request`,
  url: `/#/t/${id}`,
  tag: `task-${id}`,
});

describe("Web Push", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await newUser("push-a");
    bob = await newUser("push-b");
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });
  beforeEach(async () => {
    await fetch(`${pushService}/__berth/faults`, { method: "DELETE" });
  });

  it("hands out the VAPID public key that belongs to VAPID_PRIVATE_KEY", async () => {
    const key = fromBase64Url(await publicKey(alice.cookie));
    const jwk = JSON.parse(env.VAPID_PRIVATE_KEY ?? "{}") as JsonWebKey;
    expect(key?.length).toBe(65);
    expect(key?.[0]).toBe(4);
    expect(toBase64Url(key?.slice(1, 33) ?? new Uint8Array())).toBe(jwk.x);
    expect(toBase64Url(key?.slice(33) ?? new Uint8Array())).toBe(jwk.y);
  });

  it("signs a VAPID JWT that verifies with the public key: aud = the endpoint's origin, exp within 24 h", async () => {
    const keys = parseVapidKeys(env.VAPID_PRIVATE_KEY ?? "", "mailto:ops@berth.test");
    const now = Date.now();
    const header = await vapidAuthorization(keys, "https://push.example.net/send/abc?x=1", now);
    const [, token, k] = /^vapid t=([^,]+), k=(.+)$/.exec(header) ?? [];
    expect(k).toBe(keys.publicKey);
    const point = fromBase64Url(k ?? "") ?? new Uint8Array();
    const verifyKey = await importJWK(
      { kty: "EC", crv: "P-256", x: toBase64Url(point.slice(1, 33)), y: toBase64Url(point.slice(33)) },
      "ES256",
    );
    const { payload, protectedHeader } = await jwtVerify(token ?? "", verifyKey, {
      audience: "https://push.example.net",
    });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload.sub).toBe("mailto:ops@berth.test");
    expect(payload.exp).toBeGreaterThan(now / 1000);
    expect(payload.exp).toBeLessThanOrEqual(now / 1000 + 24 * 3600);
    const other = parseVapidKeys(JSON.stringify({ ...JSON.parse(env.TERMINAL_SIGNING_KEY) }), "mailto:x@y.z");
    await expect(
      jwtVerify(token ?? "", await importJWK({ ...other.privateJwk, d: undefined }, "ES256")),
    ).rejects.toThrow();
  });

  it("notifyUser pushes to every subscribed browser; each decrypts exactly what was sent", async () => {
    const phone = await subscribeBrowser(alice.cookie);
    const laptop = await subscribeBrowser(alice.cookie);
    const bobs = await subscribeBrowser(bob.cookie);
    await notifyUser(depsAt(), alice.id, done("t1"));
    for (const sub of [phone, laptop]) {
      const [message, ...more] = await received(sub);
      expect(more).toEqual([]);
      expect(message?.decrypt_error).toBeNull();
      expect(JSON.parse(message?.payload ?? "null")).toEqual({ ...done("t1") });
      expect(message?.ttl).toBe(86400);
      expect(message?.urgency).toBe("normal");
      expect(message?.vapid.aud).toBe(new URL(pushService).origin);
    }
    expect(await received(bobs)).toEqual([]);
  });

  it("a kind turned off is not sent; the others still are", async () => {
    const res = await api("/api/me/notifications", {
      method: "PUT",
      headers: { cookie: bob.cookie },
      body: JSON.stringify({ task_finished: false, task_failed: true, claude_waiting: true }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ task_finished: false, task_failed: true, claude_waiting: true });
    const sub = await subscribeBrowser(bob.cookie);
    await notifyUser(depsAt(), bob.id, done("t2"));
    expect(await received(sub)).toEqual([]);
    await notifyUser(depsAt(), bob.id, { ...done("t2"), kind: "task_failed", title: "Task failed" });
    expect((await received(sub)).map((m) => JSON.parse(m.payload ?? "{}").kind)).toEqual(["task_failed"]);
  });

  it("a subscription the push service calls gone (410) is deleted; other failures keep it and never throw", async () => {
    const carol = await newUser("push-c");
    try {
      const sub = await subscribeBrowser(carol.cookie);
      await fetch(`${pushService}/__berth/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "/push/", status: 503 }),
      });
      await expect(notifyUser(depsAt(), carol.id, done("t3"))).resolves.toBeUndefined();
      expect(await subscriptionRows(carol.id)).toHaveLength(1);
      await fetch(`${pushService}/__berth/subscriptions/${sub.id}`, { method: "DELETE" });
      await notifyUser(depsAt(), carol.id, done("t3"));
      expect(await subscriptionRows(carol.id)).toEqual([]);
      expect(await received(sub)).toEqual([]);
    } finally {
      await cleanUpUser(carol);
    }
  });

  it("refuses subscriptions that are not https (but for the local stand-in) or carry wrong-sized keys", async () => {
    const good = {
      endpoint: "https://push.example.net/send/abc",
      keys: {
        p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        auth: toBase64Url(new Uint8Array(16)),
      },
    };
    const cases: unknown[] = [
      { ...good, endpoint: "http://push.example.net/send/abc" },
      { ...good, endpoint: "not a url" },
      { ...good, keys: { ...good.keys, p256dh: toBase64Url(new Uint8Array(33).fill(4)) } },
      // 65 bytes starting 0x04, but not a point on P-256.
      { ...good, keys: { ...good.keys, p256dh: toBase64Url(new Uint8Array(65).fill(4)) } },
      { ...good, keys: { ...good.keys, auth: toBase64Url(new Uint8Array(8)) } },
      { ...good, keys: { ...good.keys, auth: "!!not base64!!" } },
      { endpoint: good.endpoint },
    ];
    for (const body of cases)
      await expectError(await postSubscription(alice.cookie, body), 422, "validation_failed");
    await expectError(
      await api("/api/push/subscriptions", {
        method: "DELETE",
        headers: { cookie: alice.cookie },
        body: JSON.stringify({ endpoint: "https://push.example.net/never" }),
      }),
      404,
      "not_found",
    );
    expect((await api("/api/push/config")).status).toBe(401);
  });

  it("never returns or stores a subscription's keys in the clear", async () => {
    const res = await fetch(`${pushService}/__berth/subscriptions`, { method: "POST" });
    const { id: _id, ...sub } = (await res.json()) as StandInSubscription;
    const saved = await postSubscription(bob.cookie, sub);
    const text = await saved.text();
    expect(saved.status, text).toBe(201);
    expect(JSON.parse(text)).toEqual({ endpoint: sub.endpoint, created_at: expect.any(String) });
    const rows = JSON.stringify(await subscriptionRows(bob.id));
    for (const secret of [sub.keys.p256dh, sub.keys.auth]) {
      expect(text).not.toContain(secret);
      expect(rows).not.toContain(secret);
    }
    const unsubscribe = await api("/api/push/subscriptions", {
      method: "DELETE",
      headers: { cookie: bob.cookie },
      body: JSON.stringify({ endpoint: sub.endpoint }),
    });
    expect(unsubscribe.status).toBe(204);
    expect(JSON.stringify(await subscriptionRows(bob.id))).not.toContain(sub.endpoint);
  });

  it("preferences are on by default and must name every kind", async () => {
    const carol = await newUser("push-p");
    try {
      const res = await api("/api/me/notifications", { headers: { cookie: carol.cookie } });
      expect(await res.json()).toEqual({ task_finished: true, task_failed: true, claude_waiting: true });
      await expectError(
        await api("/api/me/notifications", {
          method: "PUT",
          headers: { cookie: carol.cookie },
          body: JSON.stringify({ task_finished: false }),
        }),
        422,
        "validation_failed",
      );
    } finally {
      await cleanUpUser(carol);
    }
  });

  it("sends a test notification to each subscribed browser", async () => {
    const dave = await newUser("push-t");
    try {
      const sub = await subscribeBrowser(dave.cookie);
      const res = await api("/api/push/test", { method: "POST", headers: { cookie: dave.cookie } });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ subscriptions: 1, delivered: 1, removed: 0, failed: 0 });
      expect((await received(sub)).map((m) => JSON.parse(m.payload ?? "{}").kind)).toEqual(["test"]);
    } finally {
      await cleanUpUser(dave);
    }
  });

  it("notifies once when Claude starts waiting on a permission prompt, again only after it stopped", async () => {
    const erin = await newUser("push-w");
    try {
      const sub = await subscribeBrowser(erin.cookie);
      const ws = await readyWorkspace(erin.cookie);
      const beat = (claude: Record<string, unknown>) =>
        vmCall(ws.id, "heartbeat", ws.callbackToken, {
          last_human_input_at: null,
          claude,
          open_terminals: 1,
          idle: { idle_seconds: 0, warning: false, shutdown_at: null },
        }).then((r) => expect(r.status).toBe(200));
      const waiting = { state: "waiting", waiting_reason: "permission_prompt" };
      await beat({ state: "working" });
      await beat({ state: "waiting", waiting_reason: "idle_prompt" });
      expect(await received(sub)).toEqual([]);
      await beat(waiting);
      await beat(waiting);
      await beat(waiting);
      // The push goes out after the heartbeat is answered (waitUntil): wait for it to arrive.
      const first = await waitFor("the claude_waiting push", async () => {
        const got = await received(sub);
        return got.length > 0 && got;
      });
      expect(first.map((m) => JSON.parse(m.payload ?? "{}"))).toEqual([
        expect.objectContaining({
          kind: "claude_waiting",
          url: `/#/w/${ws.id}`,
          tag: `claude-waiting-${ws.id}`,
        }),
      ]);
      expect(first[0]?.urgency).toBe("high");
      await beat({ state: "working" });
      await beat(waiting);
      await waitFor("the second wait's push", async () => (await received(sub)).length >= 2);
      // Had the repeated heartbeats of the first wait notified too, their pushes (sent earlier) would be here.
      expect(await received(sub)).toHaveLength(2);
    } finally {
      await cleanUpUser(erin);
    }
  });
});
