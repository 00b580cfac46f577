import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectError } from "./support/api-cases.ts";
import { api, freshLogin, signIn } from "./support/session.ts";
import { testPublicUrl } from "./support/test-env.ts";

// vitest.config.ts sets the test limits: 2000/min per user, 20/min per IP, 1000/min per workspace.

/** Sends until a 429 comes back (at most `max` tries) and returns it with the count of passes. */
async function untilLimited(send: () => Promise<Response>, max: number) {
  let passed = 0;
  for (let i = 0; i < max; i++) {
    const res = await send();
    if (res.status === 429) return { res, passed };
    passed++;
    await res.body?.cancel();
  }
  throw new Error(`no 429 after ${max} requests`);
}

async function expectLimited(res: Response) {
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  await expectError(res, 429, "rate_limited");
}

describe("rate limits", () => {
  it("per user: past the limit a user gets 429 with Retry-After, another user is unaffected", async () => {
    const cookie = await signIn(freshLogin("busy"));
    const { res, passed } = await untilLimited(() => api("/api/me", { headers: { cookie } }), 2100);
    expect(passed).toBeGreaterThanOrEqual(2000);
    await expectLimited(res);
    const other = await signIn(freshLogin("calm"));
    expect((await api("/api/me", { headers: { cookie: other } })).status).toBe(200);
  }, 180_000);

  it("per client IP on /api/*, signed in or not", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const from = (address: string) => () =>
      SELF.fetch(`${testPublicUrl}/api/health`, { headers: { "cf-connecting-ip": address } });
    const { res, passed } = await untilLimited(from(ip), 60);
    expect(passed).toBeGreaterThanOrEqual(20);
    await expectLimited(res);
    expect((await from("203.0.113.7")()).status).toBe(200);
  });

  it("per workspace on /api/vm/*, before any token is checked", async () => {
    const id = `wlimit${crypto.randomUUID().replaceAll("-", "").slice(0, 6)}`;
    const call = (ws: string) => () =>
      api(`/api/vm/workspaces/${ws}/heartbeat`, {
        method: "POST",
        headers: { authorization: "Bearer cb_junk" },
        body: "{}",
      });
    const { res, passed } = await untilLimited(call(id), 1100);
    expect(passed).toBeGreaterThanOrEqual(1000);
    await expectLimited(res);
    expect((await call(`${id}x`)()).status).not.toBe(429);
  }, 120_000);
});
