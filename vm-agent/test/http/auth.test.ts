/** Every way into the agent without the right credentials, and the ones that work. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { terminalCookieName } from "@berth/protocol";
import {
  createSession,
  hostname,
  login,
  makeKeys,
  mintToken,
  startTestAgent,
  TermClient,
  type TestAgent,
} from "../terminal/helpers.ts";

let agent: TestAgent;
let clock = Date.now();
beforeAll(async () => {
  agent = await startTestAgent({ now: () => clock });
});
afterAll(async () => {
  await agent.server.stop();
});

const url = (p: string) => `${agent.server.url}${p}`;

async function expectUnauthorized(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("unauthorized");
  expect(typeof body.error.message).toBe("string");
}

describe("token exchange", () => {
  test("no token, no cookie: 401 on the page, the API and the WebSocket", async () => {
    await expectUnauthorized(await fetch(url("/")));
    await expectUnauthorized(await fetch(url("/api/sessions")));
    await expectUnauthorized(await fetch(url("/api/sessions/abc/ws"), { headers: { upgrade: "websocket" } }));
  });

  test("a valid token sets an HttpOnly Lax cookie (not Secure on *.localhost) and redirects without it", async () => {
    const token = await mintToken(agent.keys.privateKey, { now: clock });
    const res = await fetch(url(`/some/path?x=1&token=${token}&y=2`), { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/some/path?x=1&y=2");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie.startsWith(`${terminalCookieName}=`)).toBe(true);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    // Host-only: the browser never sends it to <port>.<hostname> (someone's app on a forwarded port).
    expect(cookie).not.toContain("Domain=");
    expect(cookie).not.toContain("Secure");
    // The cookie is the agent's own value, not the JWT.
    expect(cookie).not.toContain(token);
    const page = await fetch(url("/"), { headers: { cookie: cookie.split(";")[0] ?? "" } });
    expect(page.status).toBe(200);
  });

  test("bad signature, expired, wrong audience, wrong issuer: 401", async () => {
    const other = await makeKeys();
    const cases = {
      badSignature: await mintToken(other.privateKey, { now: clock }),
      expired: await mintToken(agent.keys.privateKey, { now: clock - 10 * 60_000, expiresIn: 60 }),
      wrongAud: await mintToken(agent.keys.privateKey, { now: clock, aud: "ws_other" }),
      wrongIss: await mintToken(agent.keys.privateKey, { now: clock, iss: "someone" }),
      garbage: "not.a.jwt",
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await fetch(url(`/?token=${token}`), { redirect: "manual" });
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      expect(res.headers.get("set-cookie")).toBeNull();
      await expectUnauthorized(res);
    }
  });

  test("the token's expiry follows the injected clock, with a small tolerance", async () => {
    const token = await mintToken(agent.keys.privateKey, { now: clock, expiresIn: 60 });
    const twin = await mintToken(agent.keys.privateKey, { now: clock, expiresIn: 60 });
    const saved = clock;
    try {
      clock = saved + 80_000; // 20 s past exp: within tolerance
      expect((await fetch(url(`/?token=${token}`), { redirect: "manual" })).status).toBe(302);
      clock = saved + 5 * 60_000;
      await expectUnauthorized(await fetch(url(`/?token=${twin}`), { redirect: "manual" }));
    } finally {
      clock = saved;
    }
  });

  test("a JWT is not accepted as the cookie; a forged or tampered cookie neither", async () => {
    const token = await mintToken(agent.keys.privateKey, { now: clock });
    const value = agent.cookie.slice(terminalCookieName.length + 1);
    const tampered = `${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    for (const v of [token, tampered, "v1.9999999999.dXNlcg.sig"]) {
      await expectUnauthorized(
        await fetch(url("/api/sessions"), { headers: { cookie: `${terminalCookieName}=${v}` } }),
      );
    }
    expect((await fetch(url("/api/sessions"), { headers: { cookie: agent.cookie } })).status).toBe(200);
  });

  test("the cookie expires", async () => {
    const saved = clock;
    try {
      clock = saved + 13 * 3600_000;
      await expectUnauthorized(await fetch(url("/api/sessions"), { headers: { cookie: agent.cookie } }));
    } finally {
      clock = saved;
    }
  });

  test("cookies are Secure on a public hostname", async () => {
    const { startAgentHttpServer } = await import("../../src/http/server.ts");
    const { testConfig, testShell } = await import("../terminal/helpers.ts");
    const keys = await makeKeys();
    const server = await startAgentHttpServer({
      config: { ...testConfig(keys), hostname: "ws9.berth.example.com" },
      shell: testShell,
      onHumanInput() {},
      getStatus: () => ({}),
    });
    try {
      const res = await fetch(`${server.url}/?token=${await mintToken(keys.privateKey)}`, {
        redirect: "manual",
      });
      expect(res.headers.get("set-cookie")).toContain("Secure");
    } finally {
      await server.stop();
    }
  });
});

describe("tokens are single-use", () => {
  test("the same token exchanged twice: the second is refused, and sets no cookie", async () => {
    const token = await mintToken(agent.keys.privateKey, { now: clock });
    expect((await fetch(url(`/?token=${token}`), { redirect: "manual" })).status).toBe(302);
    const replay = await fetch(url(`/?token=${token}`), { redirect: "manual" });
    expect(replay.status).toBe(401);
    expect(replay.headers.get("set-cookie")).toBeNull();
    const body = (await replay.json()) as { error: { message: string } };
    expect(body.error.message).toContain("already used");
    // A refused attempt (here a POST) does not use the token up; a used one stays used everywhere.
    const fresh = await mintToken(agent.keys.privateKey, { now: clock });
    expect((await fetch(url(`/?token=${fresh}`), { method: "POST", redirect: "manual" })).status).toBe(401);
    expect((await fetch(url(`/?token=${fresh}`), { redirect: "manual" })).status).toBe(302);
    const onPort = await fetch(url("/caddy/forward-auth"), {
      redirect: "manual",
      headers: { "x-forwarded-host": `3000.${hostname}`, "x-forwarded-uri": `/?token=${fresh}` },
    });
    expect(onPort.status).toBe(401);
  });

  test("a token without a jti is refused (every control-plane token has one)", async () => {
    const token = await mintToken(agent.keys.privateKey, { now: clock, jti: null });
    await expectUnauthorized(await fetch(url(`/?token=${token}`), { redirect: "manual" }));
  });
});

/** One raw HTTP/1.1 request: fetch would normalise the evil request targets before sending them. */
async function rawGet(target: string, headers: Record<string, string> = {}): Promise<string> {
  const { port } = new URL(agent.server.url);
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${hostname}`, "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), "127.0.0.1", () => sock.write(`${lines.join("\r\n")}\r\n\r\n`));
    let text = "";
    sock.on("data", (d) => {
      text += d.toString("latin1");
    });
    sock.on("end", () => resolve(text));
    sock.on("error", reject);
  });
}

describe("the redirect after the token exchange stays on this host", () => {
  const evil = [
    "//evil.example/",
    "/\\evil.example/",
    "/%2F%2Fevil.example/",
    "/%5C%5Cevil.example/",
    "/%2F/evil",
  ];
  test("on the terminal host, any evil path becomes /", async () => {
    for (const path of evil) {
      const token = await mintToken(agent.keys.privateKey, { now: clock });
      const res = await rawGet(`${path}?token=${token}&keep=1`);
      expect({ path, head: res.split("\r\n")[0] }).toEqual({ path, head: "HTTP/1.1 302 Found" });
      const location = /\r\nlocation: ([^\r]*)/i.exec(res)?.[1];
      expect({ path, location }).toEqual({ path, location: "/?keep=1" });
    }
    // An absolute-form target names another host only in the request line: the path is all we use.
    const token = await mintToken(agent.keys.privateKey, { now: clock });
    const abs = await rawGet(`https://evil.example/x?token=${token}`);
    const location = /\r\nlocation: ([^\r]*)/i.exec(abs)?.[1] ?? "";
    expect(new URL(location, `http://${hostname}`).host).toBe(hostname);
  });

  test("on a port host (X-Forwarded-Uri), too; a normal path is kept", async () => {
    for (const path of [...evil, "https://evil.example/", "/ok/path"]) {
      const token = await mintToken(agent.keys.privateKey, { now: clock });
      const res = await fetch(url("/caddy/forward-auth"), {
        redirect: "manual",
        headers: { "x-forwarded-host": `3000.${hostname}`, "x-forwarded-uri": `${path}?token=${token}` },
      });
      expect({ path, status: res.status }).toEqual({ path, status: 302 });
      const location = res.headers.get("location") ?? "";
      const expected = path === "/ok/path" ? "/ok/path" : path === "https://evil.example/" ? location : "/";
      expect({ path, location }).toEqual({ path, location: expected });
      expect(new URL(location, `http://3000.${hostname}`).host).toBe(`3000.${hostname}`);
    }
  });
});

describe("WebSocket origin", () => {
  test("a foreign Origin is refused with 403, even with a valid cookie", async () => {
    const { id } = await createSession(agent.server.url, agent.cookie);
    const headers = (origin: string) => ({
      cookie: agent.cookie,
      origin,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    });
    for (const origin of [
      "https://evil.example.com",
      "http://3000.ws1.localhost:8080", // a forwarded port's page is same-site but not us
      `https://${hostname}.evil.com`,
      "null",
    ]) {
      const res = await fetch(url(`/api/sessions/${id}/ws`), { headers: headers(origin) });
      expect({ origin, status: res.status }).toEqual({ origin, status: 403 });
    }
    const ok = await TermClient.open({ base: agent.server.url, cookie: agent.cookie, sessionId: id });
    expect(ok.startOffset).toBe(0);
    await ok.close();
  });

  test("state-changing API calls from a foreign origin are refused", async () => {
    const res = await fetch(url("/api/sessions"), {
      method: "POST",
      headers: { cookie: agent.cookie, origin: "http://3000.ws1.localhost" },
      body: "{}",
    });
    expect(res.status).toBe(403);
  });
});

describe("loopback-only endpoints", () => {
  test("ask and unauthenticated /status are not available to proxied requests", async () => {
    const proxied = { "x-forwarded-for": "203.0.113.9" };
    expect((await fetch(url(`/caddy/ask?domain=${hostname}`), { headers: proxied })).status).toBe(404);
    await expectUnauthorized(await fetch(url("/status"), { headers: proxied }));
    const direct = await fetch(url("/status"));
    expect(await direct.json()).toEqual({ state: "ok", summary: "test agent" });
    const withCookie = await fetch(url("/status"), { headers: { ...proxied, cookie: agent.cookie } });
    expect(withCookie.status).toBe(200);
  });

  test("login() helper round trip", async () => {
    const cookie = await login(agent.server.url, await mintToken(agent.keys.privateKey, { now: clock }));
    expect(cookie.startsWith(`${terminalCookieName}=v1.`)).toBe(true);
  });
});
