/** The agent's forward-auth check, asked directly as Caddy's forward_auth would. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { portCookieName, terminalCookieName } from "@berth/protocol";
import { hostname, makeKeys, mintToken, startTestAgent, type TestAgent } from "../terminal/helpers.ts";

let agent: TestAgent;
let other: TestAgent;
/** The port cookies of `3000.<hostname>` from this agent and from the other one. */
let portCookie: string;
let otherPortCookie: string;
beforeAll(async () => {
  agent = await startTestAgent();
  other = await startTestAgent(); // same hostname, its own cookie key: "another workspace"
  portCookie = await portLogin(agent, `3000.${hostname}:8443`);
  otherPortCookie = await portLogin(other, `3000.${hostname}:8443`);
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

/** The token exchange on a port host, as a browser opening `<port>.<hostname>/?token=` does. */
async function portLogin(a: TestAgent, host: string): Promise<string> {
  const res = await fetch(`${a.server.url}/caddy/forward-auth`, {
    redirect: "manual",
    headers: {
      "x-forwarded-host": host,
      "x-forwarded-uri": `/?token=${await mintToken(a.keys.privateKey)}`,
      "x-forwarded-method": "GET",
    },
  });
  if (res.status !== 302) throw new Error(`port login failed: ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
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

  test("the port host's own cookie: 200; POST too when it comes from this workspace's pages", async () => {
    expect(portCookie.startsWith(`${portCookieName}=`)).toBe(true);
    expect((await check({ cookie: portCookie })).status).toBe(200);
    for (const origin of [
      `http://3000.${hostname}:8443`,
      `http://${hostname}:8443`,
      `http://4000.${hostname}`,
    ]) {
      const res = await check({ cookie: portCookie, origin }, { method: "POST" });
      expect({ origin, status: res.status }).toEqual({ origin, status: 200 });
    }
  });

  test("the terminal host's cookie does not open a port, and a port's cookie opens only that port", async () => {
    expect((await check({ cookie: agent.cookie })).status).toBe(401);
    // The value of a port cookie presented under the terminal cookie's name, or on another port.
    const value = portCookie.slice(portCookieName.length + 1);
    expect((await check({ cookie: portCookie }, { host: `3001.${hostname}` })).status).toBe(401);
    expect(
      (
        await fetch(`${agent.server.url}/api/sessions`, {
          headers: { cookie: `${terminalCookieName}=${value}` },
        })
      ).status,
    ).toBe(401);
  });

  test("a POST/PUT/DELETE without Origin, or from another workspace's page or another site: 403", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      for (const origin of [
        null,
        "http://3000.ws2.localhost:8443", // someone else's forwarded port: same-site, not us
        "http://ws2.localhost:8443",
        "https://evil.example.com",
        `https://3000.${hostname}.evil.com`,
        "null",
      ]) {
        const headers: Record<string, string> = { cookie: portCookie };
        if (origin !== null) headers.origin = origin;
        const res = await check(headers, { method });
        expect({ method, origin, status: res.status }).toEqual({ method, origin, status: 403 });
      }
    }
    // A WebSocket handshake (a GET) follows the same rule.
    const ws = { cookie: portCookie, "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
    expect((await check({ ...ws, origin: "http://3000.ws2.localhost:8443" })).status).toBe(403);
    expect((await check(ws)).status).toBe(403);
    expect((await check({ ...ws, origin: `http://3000.${hostname}:8443` })).status).toBe(200);
    // GET, HEAD and OPTIONS do not change anything: no Origin needed.
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      expect((await check({ cookie: portCookie }, { method })).status).toBe(200);
    }
  });

  test("a bad, forged or foreign cookie: 401", async () => {
    const value = portCookie.slice(portCookieName.length + 1);
    const tampered = `${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    for (const cookie of [`${portCookieName}=${tampered}`, `${portCookieName}=x`, otherPortCookie]) {
      expect({ cookie, status: (await check({ cookie })).status }).toEqual({ cookie, status: 401 });
    }
  });

  test("only <port>.<hostname> hosts: the workspace host itself and other names get 403", async () => {
    for (const host of [hostname, `a.${hostname}`, `080.${hostname}`, `3000.ws2.localhost`, "example.com"]) {
      const res = await check({ cookie: portCookie }, { host });
      expect({ host, status: res.status }).toEqual({ host, status: 403 });
    }
    // Without X-Forwarded-Host the Host header decides (the request's own Host is the agent's).
    const res = await fetch(`${agent.server.url}/caddy/forward-auth`, { headers: { cookie: agent.cookie } });
    expect(res.status).toBe(403);
  });

  test("a token on a port host is exchanged for that host's own cookie, redirecting without it", async () => {
    const token = await mintToken(agent.keys.privateKey);
    const res = await check({}, { uri: `/app?x=1&token=${token}` });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app?x=1");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie.startsWith(`${portCookieName}=`)).toBe(true);
    expect(setCookie).not.toContain("Domain=");
    const cookie = setCookie.split(";")[0] ?? "";
    expect((await check({ cookie })).status).toBe(200);
    // It is not a login for the terminal host.
    expect((await fetch(`${agent.server.url}/api/sessions`, { headers: { cookie } })).status).toBe(401);
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
    const res = await check({ cookie: portCookie, "x-forwarded-for": "203.0.113.9" });
    expect(res.status).toBe(404);
  });
});
