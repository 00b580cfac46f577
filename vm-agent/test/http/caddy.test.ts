/** Through a real Caddy: the production Caddyfile adapts; the local one carries the terminal. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderCaddyfile } from "@berth/cloud-init/caddyfile";
import {
  createSession,
  hostname,
  login,
  mintToken,
  startTestAgent,
  TermClient,
  type TestAgent,
} from "../terminal/helpers.ts";
import { type RunningCaddy, startCaddy } from "./caddy.ts";

describe("production Caddyfile", () => {
  for (const issuer of ["acme", "zerossl", "internal"] as const) {
    test(`caddy adapt accepts it (issuer ${issuer})`, async () => {
      const text = renderCaddyfile({
        hostname: "ws123.berth.example.com",
        agentPort: 7681,
        email: "ops@example.com",
        issuer,
        askUrl: "http://127.0.0.1:7681/caddy/ask",
      });
      const dir = mkdtempSync(join(tmpdir(), "berth-adapt-"));
      try {
        writeFileSync(join(dir, "Caddyfile"), text);
        const proc = Bun.spawnSync(
          ["caddy", "adapt", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"],
          {
            env: {
              PATH: process.env.PATH ?? "/usr/bin:/bin",
              HOME: dir,
              XDG_DATA_HOME: dir,
              XDG_CONFIG_HOME: dir,
            },
          },
        );
        expect(proc.exitCode).toBe(0);
        const json = JSON.parse(proc.stdout.toString());
        const policy = json.apps.tls.automation.policies[0];
        expect(policy.on_demand).toBe(true);
        expect(policy.subjects.sort()).toEqual(["*.ws123.berth.example.com", "ws123.berth.example.com"]);
        expect(json.apps.tls.automation.on_demand.ask).toBe("http://127.0.0.1:7681/caddy/ask");
        const modules = policy.issuers.map((i: { module: string }) => i.module);
        expect(modules).toEqual(issuer === "acme" ? ["acme", "zerossl"] : [issuer]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("rejects values that would inject Caddyfile syntax", () => {
    const base = { agentPort: 1, issuer: "acme" as const, askUrl: "http://127.0.0.1:1/caddy/ask" };
    expect(() => renderCaddyfile({ ...base, hostname: "a.com {\n}" })).toThrow();
    expect(() => renderCaddyfile({ ...base, hostname: "a.com", email: "x@y }" })).toThrow();
    expect(() => renderCaddyfile({ ...base, hostname: "a.com", agentPort: 70000 })).toThrow();
  });
});

describe("through a running Caddy", () => {
  let agent: TestAgent;
  let caddy: RunningCaddy;
  let cookie: string;
  beforeAll(async () => {
    agent = await startTestAgent();
    caddy = await startCaddy({ hostname, agentPort: agent.server.port });
    cookie = await login(caddy.url, await mintToken(agent.keys.privateKey));
  }, 20_000);
  afterAll(async () => {
    await caddy?.stop();
    await agent?.server.stop();
  });

  test("terminal round trip: echo $((6*7)) prints 42", async () => {
    const page = await fetch(`${caddy.url}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const { id } = await createSession(caddy.url, cookie);
    const c = await TermClient.open({ base: caddy.url, cookie, sessionId: id });
    await c.waitForText("PROMPT$ ");
    c.type("echo $((6*7))\r");
    await c.waitForText(/\r42\r\n/);
    await c.close();
  });

  test("a foreign Origin is refused through Caddy too", async () => {
    const { id } = await createSession(caddy.url, cookie);
    const c = new TermClient({ base: caddy.url, cookie, sessionId: id, origin: "https://evil.example.com" });
    await expect(c.opened).rejects.toThrow();
  });

  test("ask and unauthenticated status are not reachable from outside", async () => {
    expect((await fetch(`${caddy.url}/caddy/ask?domain=${hostname}`)).status).toBe(404);
    expect((await fetch(`${caddy.url}/status`)).status).toBe(401);
    expect((await fetch(`${caddy.url}/status`, { headers: { cookie } })).status).toBe(200);
  });

  test("forward-auth is not reachable from outside, even with spoofed X-Forwarded-* headers", async () => {
    expect((await fetch(`${caddy.url}/caddy/forward-auth`, { headers: { cookie } })).status).toBe(404);
    const spoofed = { cookie, "x-forwarded-host": `3000.${hostname}`, "x-forwarded-uri": "/" };
    expect((await fetch(`${caddy.url}/caddy/forward-auth`, { headers: spoofed })).status).toBe(404);
  });

  describe("forwarded ports are private to the workspace's owner", () => {
    let app: ReturnType<typeof Bun.serve>;
    let portUrl: string;
    let portCookie: string;
    /** Every Cookie header the dev server received. */
    const seenCookies: string[] = [];
    beforeAll(async () => {
      app = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: (req) => {
          seenCookies.push(...(req.headers.get("cookie") ?? "").split(/;\s*/).filter(Boolean));
          const path = new URL(req.url).pathname;
          if (path === "/cookies") return new Response(req.headers.get("cookie") ?? "");
          return new Response(`hello from the dev server: ${req.method} ${path}`);
        },
      });
      portUrl = `http://${app.port}.${hostname}:${caddy.port}`;
      const res = await fetch(`${portUrl}/?token=${await mintToken(agent.keys.privateKey)}`, {
        redirect: "manual",
      });
      portCookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    });
    afterAll(() => app?.stop(true));

    test("no cookie: 401 from the agent, and the dev server is not reached", async () => {
      const res = await fetch(`${portUrl}/`);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("dev server");
      const page = await fetch(`${portUrl}/`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(401);
      expect(await page.text()).toContain("private to the workspace's owner");
    });

    test("the port host's own cookie reaches the server on that port, for any method", async () => {
      const res = await fetch(`${portUrl}/x`, { headers: { cookie: portCookie } });
      expect(await res.text()).toBe("hello from the dev server: GET /x");
      const post = await fetch(`${portUrl}/y`, {
        method: "POST",
        headers: { cookie: portCookie, origin: portUrl },
        body: "z",
      });
      expect(await post.text()).toBe("hello from the dev server: POST /y");
    });

    test("the terminal host's cookie does not open a port, and a POST from another site is refused", async () => {
      expect((await fetch(`${portUrl}/x`, { headers: { cookie } })).status).toBe(401);
      const post = await fetch(`${portUrl}/y`, {
        method: "POST",
        headers: { cookie: portCookie, origin: "http://3000.ws2.localhost" },
        body: "z",
      });
      expect(post.status).toBe(403);
      expect(await post.text()).not.toContain("dev server");
    });

    test("a WebSocket to a private port from another workspace's page is refused before the app", async () => {
      const handshake = (origin: string) =>
        fetch(`${portUrl}/ws`, {
          headers: {
            cookie: portCookie,
            origin,
            upgrade: "websocket",
            connection: "Upgrade",
            "sec-websocket-version": "13",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          },
        });
      const refused = await handshake("http://3000.ws2.localhost");
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain("dev server");
      // From the port's own page it reaches the app (which is no WebSocket server: a plain answer).
      expect(await (await handshake(portUrl)).text()).toContain("dev server");
    });

    test("the app never sees our cookies: Caddy strips them and keeps the app's own", async () => {
      seenCookies.length = 0;
      for (const header of [
        `${cookie}; ${portCookie}; app=1`,
        `app=1; ${cookie}; theme=dark; ${portCookie}`,
        `${portCookie}; ${cookie}`,
      ]) {
        const res = await fetch(`${portUrl}/cookies`, { headers: { cookie: header } });
        expect(res.status).toBe(200);
        const got = await res.text();
        expect({ header, got: got.split(/;\s*/).filter(Boolean) }).toEqual({
          header,
          got: header.split("; ").filter((c) => c.startsWith("app=") || c.startsWith("theme=")),
        });
      }
      expect(seenCookies.length).toBeGreaterThan(0);
      expect(seenCookies.filter((c) => c.startsWith("berth_"))).toEqual([]);
    });

    test("another workspace's cookie (another agent's key) gets 401", async () => {
      const other = await startTestAgent();
      try {
        const res = await fetch(`${portUrl}/`, {
          headers: { cookie: other.cookie.replace(/^berth_terminal=/, "berth_port=") },
        });
        expect(res.status).toBe(401);
      } finally {
        await other.server.stop();
      }
    });

    test("a token on the port host is exchanged for a cookie via Caddy, then the port opens", async () => {
      const token = await mintToken(agent.keys.privateKey);
      const res = await fetch(`${portUrl}/a?b=1&token=${token}`, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/a?b=1");
      const setCookie = res.headers.get("set-cookie") ?? "";
      // Host-only: the browser keeps it for this port host alone.
      expect(setCookie).not.toContain("Domain=");
      const fresh = setCookie.split(";")[0] ?? "";
      expect(await (await fetch(`${portUrl}/a?b=1`, { headers: { cookie: fresh } })).text()).toBe(
        "hello from the dev server: GET /a",
      );
      // It is no login for the terminal host.
      expect((await fetch(`${caddy.url}/api/sessions`, { headers: { cookie: fresh } })).status).toBe(401);
    });

    test("unknown hosts under the workspace get 404", async () => {
      const other = await fetch(`http://127.0.0.1:${caddy.port}/`, { headers: { host: `x.${hostname}` } });
      expect(other.status).toBe(404);
    });
  });
});
