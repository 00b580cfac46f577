/** The agent's forward-auth check, asked directly as Caddy's forward_auth would. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { terminalCookieName } from "@berth/protocol";
import { hostname, makeKeys, mintToken, startTestAgent, type TestAgent } from "../terminal/helpers.ts";

let agent: TestAgent;
let other: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
  other = await startTestAgent(); // same hostname, its own cookie key: "another workspace"
});
afterAll(async () => {
  await agent.server.stop();
  await other.server.stop();
});

function check(
  headers: Record<string, string>,
  opts: { host?: string; uri?: string; method?: string } = {},
): Promise<Response> {
  return fetch(`${agent.server.url}/caddy/forward-auth`, {
    redirect: "manual",
    headers: {
      "x-forwarded-host": opts.host ?? `3000.${hostname}:8443`,
      "x-forwarded-uri": opts.uri ?? "/app?q=1",
      "x-forwarded-method": opts.method ?? "GET",
      ...headers,
    },
  });
}

describe("forward-auth", () => {
  test("no cookie: 401 (JSON for fetches, a small HTML page for browser navigations)", async () => {
    const res = await check({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const page = await check({ accept: "text/html,application/xhtml+xml" });
    expect(page.status).toBe(401);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("private to the workspace's owner");
  });

  test("a valid cookie: 200, for any method and any port", async () => {
    expect((await check({ cookie: agent.cookie })).status).toBe(200);
    expect(
      (await check({ cookie: agent.cookie }, { method: "POST", host: `65535.${hostname}` })).status,
    ).toBe(200);
  });

  test("a bad, forged or foreign cookie: 401", async () => {
    const value = agent.cookie.slice(terminalCookieName.length + 1);
    const tampered = `${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    for (const cookie of [`${terminalCookieName}=${tampered}`, `${terminalCookieName}=x`, other.cookie]) {
      expect({ cookie, status: (await check({ cookie })).status }).toEqual({ cookie, status: 401 });
    }
  });

  test("only <port>.<hostname> hosts: the workspace host itself and other names get 403", async () => {
    for (const host of [hostname, `a.${hostname}`, `080.${hostname}`, `3000.ws2.localhost`, "example.com"]) {
      const res = await check({ cookie: agent.cookie }, { host });
      expect({ host, status: res.status }).toEqual({ host, status: 403 });
    }
    // Without X-Forwarded-Host the Host header decides (the request's own Host is the agent's).
    const res = await fetch(`${agent.server.url}/caddy/forward-auth`, { headers: { cookie: agent.cookie } });
    expect(res.status).toBe(403);
  });

  test("a token on a port host is exchanged for the Domain cookie, redirecting without it", async () => {
    const token = await mintToken(agent.keys.privateKey);
    const res = await check({}, { uri: `/app?x=1&token=${token}` });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?x=1");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain(`Domain=${hostname}`);
    const cookie = setCookie.split(";")[0] ?? "";
    expect((await check({ cookie })).status).toBe(200);
    // The same cookie opens the terminal host too.
    expect((await fetch(`${agent.server.url}/api/sessions`, { headers: { cookie } })).status).toBe(200);
  });

  test("a bad token or a token on a non-GET: 401, no cookie", async () => {
    const foreign = await mintToken((await makeKeys()).privateKey);
    const bad = await check({}, { uri: `/?token=${foreign}` });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    const post = await check(
      {},
      { uri: `/?token=${await mintToken(agent.keys.privateKey)}`, method: "POST" },
    );
    expect(post.status).toBe(401);
  });

  test("not available to proxied requests (X-Forwarded-For set)", async () => {
    const res = await check({ cookie: agent.cookie, "x-forwarded-for": "203.0.113.9" });
    expect(res.status).toBe(404);
  });
});
