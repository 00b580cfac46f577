import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rateLimitPeriodSeconds } from "../src/security/rate-limit.ts";
import { expectError } from "./support/api-cases.ts";
import { api, freshLogin, signIn } from "./support/session.ts";
import { testPublicUrl, testRateLimits } from "./support/test-env.ts";

type Send = () => Promise<Response>;

/**
 * workerd's limiter counts per key in windows aligned to the wall clock (epoch = now / period), so
 * a burst that crosses a window boundary starts counting again halfway and the limit is not
 * reached where it should be; a loaded machine, spreading the burst out, crosses one often.
 */
const windowOf = (ms: number) => Math.floor(ms / (rateLimitPeriodSeconds * 1000));
const attempts = 3;

/** Requests in flight at once: a burst must fit in one window even on a loaded machine. */
const concurrency = 16;

/**
 * Sends `limit` requests from a fresh key (`fresh`), `concurrency` at a time, then one more, all
 * inside one limiter window; returns that last response and how many of the `limit` passed.
 * Should the window roll over mid-burst, the burst starts again with a fresh key, right at the
 * start of the new window.
 */
async function untilLimited(fresh: () => Promise<Send>, limit: number) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const send = await fresh();
    // Date.now() in workerd is the time of the last I/O, no later than the next request's arrival.
    const window = windowOf(Date.now());
    let passed = 0;
    for (let sent = 0; sent < limit && windowOf(Date.now()) === window; ) {
      const wave = Math.min(concurrency, limit - sent);
      const statuses = await Promise.all(
        Array.from({ length: wave }, async () => {
          const res = await send();
          await res.body?.cancel();
          return res.status;
        }),
      );
      passed += statuses.filter((s) => s !== 429).length;
      sent += wave;
    }
    const res = await send();
    if (windowOf(Date.now()) === window) return { res, passed };
    await res.body?.cancel();
  }
  throw new Error(`every one of ${attempts} bursts crossed a ${rateLimitPeriodSeconds} s window`);
}

async function expectLimited(res: Response) {
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  await expectError(res, 429, "rate_limited");
}

describe("rate limits", () => {
  it("per user: past the limit a user gets 429 with Retry-After, another user is unaffected", async () => {
    const asFreshUser = async (): Promise<Send> => {
      const cookie = await signIn(freshLogin("busy"));
      return () => api("/api/me", { headers: { cookie } });
    };
    const { res, passed } = await untilLimited(asFreshUser, testRateLimits.user);
    // Exactly the configured allowance passed, then the limit held.
    expect(passed).toBe(testRateLimits.user);
    await expectLimited(res);
    const other = await signIn(freshLogin("calm"));
    expect((await api("/api/me", { headers: { cookie: other } })).status).toBe(200);
  }, 300_000);

  it("per client IP on /api/*, signed in or not", async () => {
    const from = (address: string) => () =>
      SELF.fetch(`${testPublicUrl}/api/health`, { headers: { "cf-connecting-ip": address } });
    let last = Math.floor(Math.random() * 200); // a retry takes the next address, never a used one
    const fromFreshIp = async () => from(`198.51.100.${++last}`);
    const { res, passed } = await untilLimited(fromFreshIp, testRateLimits.ip);
    expect(passed).toBe(testRateLimits.ip);
    await expectLimited(res);
    expect((await from("203.0.113.7")()).status).toBe(200);
  });

  /** A VM callback with a junk token: the limiters count it before any token is checked. */
  const callback = (ws: string, action: string) => () =>
    api(`/api/vm/workspaces/${ws}/${action}`, {
      method: "POST",
      headers: { authorization: "Bearer cb_junk" },
      body: "{}",
    });
  /** Bursts at `action` of a fresh workspace id each attempt; returns the id the limit was reached on. */
  async function limitedCallback(action: string, limit: number) {
    let id = "";
    const toFreshWorkspace = async () => {
      id = `wlimit${crypto.randomUUID().replaceAll("-", "").slice(0, 6)}`;
      return callback(id, action);
    };
    const { res, passed } = await untilLimited(toFreshWorkspace, limit);
    expect(passed).toBe(limit);
    await expectLimited(res);
    return id;
  }

  it("per workspace on /api/vm/*, before any token is checked", async () => {
    const id = await limitedCallback("heartbeat", testRateLimits.vm);
    expect((await callback(`${id}x`, "heartbeat")()).status).not.toBe(429);
  }, 300_000);

  it("per workspace on its git credentials, apart from its other callbacks", async () => {
    const id = await limitedCallback("git-credentials", testRateLimits.git);
    // The workspace's heartbeats still go through: only its credentials wait.
    expect((await callback(id, "heartbeat")()).status).toBe(401);
  }, 300_000);
});
