import { describe, expect, it } from "vitest";
import { api, createApiKey, signIn } from "./support/session.ts";

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("API keys", () => {
  it("a created key is shown once, then authenticates as its owner", async () => {
    const cookie = await signIn("alice");
    const created = await api("/api/keys", {
      method: "POST",
      headers: { cookie },
      body: JSON.stringify({ name: "laptop" }),
    });
    expect(created.status).toBe(201);
    const { key, id, start } = (await created.json()) as { key: string; id: string; start: string };
    expect(key).toMatch(/^berth_/);
    expect(key.startsWith(start)).toBe(true);

    const me = await api("/api/me", { headers: bearer(key) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: "alice@example.test", authenticated_via: "api_key" });

    const list = await api("/api/keys", { headers: { cookie } });
    const listed = ((await list.json()) as { api_keys: Array<Record<string, unknown>> }).api_keys;
    expect(listed.find((k) => k.id === id)).toMatchObject({ id, name: "laptop" });
    expect(JSON.stringify(listed)).not.toContain(key);
  });

  it("a revoked key stops working at once", async () => {
    const cookie = await signIn("alice");
    const key = await createApiKey(cookie);
    const { api_keys } = (await (await api("/api/keys", { headers: bearer(key) })).json()) as {
      api_keys: Array<{ id: string; start: string }>;
    };
    const id = api_keys.find((k) => key.startsWith(k.start))?.id ?? "";
    expect((await api(`/api/keys/${id}`, { method: "DELETE", headers: bearer(key) })).status).toBe(204);
    const after = await api("/api/me", { headers: bearer(key) });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("another user's key cannot be listed or revoked (404, not 403)", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    const created = await api("/api/keys", {
      method: "POST",
      headers: { cookie: alice },
      body: JSON.stringify({ name: "alice's" }),
    });
    const aliceKey = (await created.json()) as { id: string; key: string };
    const listIds = async (cookie: string) =>
      (
        (await (await api("/api/keys", { headers: { cookie } })).json()) as {
          api_keys: Array<{ id: string }>;
        }
      ).api_keys.map((k) => k.id);
    expect(await listIds(bob)).not.toContain(aliceKey.id);
    const res = await api(`/api/keys/${aliceKey.id}`, { method: "DELETE", headers: { cookie: bob } });
    expect(res.status).toBe(404);
    expect(await listIds(alice)).toContain(aliceKey.id);
    expect((await api("/api/me", { headers: bearer(aliceKey.key) })).status).toBe(200);
  });

  it("rejects a garbage bearer token and a malformed Authorization header", async () => {
    for (const authorization of ["Bearer berth_not-a-real-key", "Basic abc", "Bearer"]) {
      const res = await api("/api/me", { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("validates the create body and creates nothing on bad input", async () => {
    const cookie = await signIn("carol");
    const countKeys = async () =>
      ((await (await api("/api/keys", { headers: { cookie } })).json()) as { api_keys: unknown[] }).api_keys
        .length;
    const before = await countKeys();
    const cases = [
      JSON.stringify({}),
      JSON.stringify({ name: "" }),
      JSON.stringify({ name: 42 }),
      JSON.stringify({ name: "x".repeat(65) }),
      JSON.stringify({ name: "ok", expires_in_days: 0 }),
      JSON.stringify({ name: "ok", unexpected: true }),
    ];
    for (const body of cases) {
      const res = await api("/api/keys", { method: "POST", headers: { cookie }, body });
      expect(res.status, body).toBe(422);
      const json = (await res.json()) as { error: { code: string; details: unknown[] } };
      expect(json.error.code).toBe("validation_failed");
      expect(json.error.details.length).toBeGreaterThan(0);
    }
    expect(await countKeys()).toBe(before);
  });
});
