/** Port detection from the kernel's tables, and what forward-auth does with visibility. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPortDetector, parseListeningSockets, reachable } from "../../src/ports/detect.ts";
import { PortVisibility } from "../../src/ports/visibility.ts";
import { hostname, mintToken, startTestAgent, type TestAgent } from "../terminal/helpers.ts";

const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
   2: 0500007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0
   3: 0100007F:9C40 0100007F:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
`;

describe("listening sockets", () => {
  test("parses LISTEN rows with address, port and inode; skips other states", () => {
    expect(parseListeningSockets(table)).toEqual([
      { port: 3000, address: "0.0.0.0", inode: "1111" },
      { port: 8080, address: "127.0.0.1", inode: "2222" },
      { port: 8001, address: "127.0.0.5", inode: "3333" },
    ]);
  });

  test("Caddy reaches sockets on every address or on the agent's own address only", () => {
    expect(reachable("0.0.0.0", "127.0.0.1")).toBe(true);
    expect(reachable("0".repeat(32), "127.0.0.1")).toBe(true);
    expect(reachable("127.0.0.1", "127.0.0.1")).toBe(true);
    expect(reachable("127.0.0.5", "127.0.0.1")).toBe(false);
    expect(reachable("127.0.0.1", "127.0.0.5")).toBe(false);
  });
});

describe("port detector (real sockets)", () => {
  test("a server that starts is seen with its process name and first-seen time; one that stops drops off", async () => {
    const detector = createPortDetector({ agentHost: "127.0.0.1", ownPorts: [] });
    const server = Bun.serve({ hostname: "0.0.0.0", port: 0, fetch: () => new Response("hi") });
    const port = server.port as number;
    try {
      const first = (await detector.scan()).find((p) => p.port === port);
      // The name the kernel keeps for this very process (the test runner).
      const comm = (await Bun.file(`/proc/${process.pid}/comm`).text()).trim();
      expect(first?.process).toBe(comm);
      expect(await detector.isListening(port)).toBe(true);
      await Bun.sleep(20);
      const again = (await detector.scan()).find((p) => p.port === port);
      expect(again?.first_seen_at).toBe(first?.first_seen_at);
    } finally {
      await server.stop(true);
    }
    expect((await detector.scan()).some((p) => p.port === port)).toBe(false);
    expect(await detector.isListening(port)).toBe(false);
  });

  test("Berth's own ports and sockets on another address are not the workspace's", async () => {
    const other = Bun.serve({ hostname: "127.0.0.9", port: 0, fetch: () => new Response("x") });
    const own = Bun.serve({ hostname: "0.0.0.0", port: 0, fetch: () => new Response("x") });
    try {
      const detector = createPortDetector({ agentHost: "127.0.0.1", ownPorts: [own.port as number] });
      const ports = (await detector.scan()).map((p) => p.port);
      expect(ports).not.toContain(other.port as number);
      expect(ports).not.toContain(own.port as number);
      const sameHost = createPortDetector({ agentHost: "127.0.0.9", ownPorts: [] });
      expect((await sameHost.scan()).map((p) => p.port)).toContain(other.port as number);
    } finally {
      await other.stop(true);
      await own.stop(true);
    }
  });
});

describe("forward-auth with visibility", () => {
  const visibility = new PortVisibility();
  const listening = new Set([3000, 4000]);
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent({
      forwardedPorts: {
        isPublic: (p) => visibility.isPublic(p),
        isListening: async (p) => listening.has(p),
      },
    });
  });
  afterAll(() => agent.server.stop());

  const check = (port: number, headers: Record<string, string> = {}, method = "GET") =>
    fetch(`${agent.server.url}/caddy/forward-auth`, {
      redirect: "manual",
      headers: {
        "x-forwarded-host": `${port}.${hostname}:8443`,
        "x-forwarded-uri": "/",
        "x-forwarded-method": method,
        ...headers,
      },
    });

  test("a public port lets anyone through without a cookie, any method; private again, it does not", async () => {
    expect((await check(3000)).status).toBe(401);
    visibility.update([3000]);
    expect((await check(3000)).status).toBe(200);
    expect((await check(3000, { origin: "https://elsewhere.example" }, "POST")).status).toBe(200);
    expect((await check(4000)).status).toBe(401);
    visibility.update([]);
    const page = await check(3000, { accept: "text/html" });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("private to the workspace's owner");
  });

  test("a CORS preflight to a private port goes to the app, a bare OPTIONS without a cookie does not", async () => {
    const preflight = { origin: "https://app.example", "access-control-request-method": "PUT" };
    expect((await check(4000, preflight, "OPTIONS")).status).toBe(200);
    expect((await check(4000, {}, "OPTIONS")).status).toBe(401);
  });

  test("a port where nothing listens: a clear HTML page (502) for its owner and for a public port", async () => {
    const token = await mintToken(agent.keys.privateKey);
    const login = await check(5000, {}, "GET").then(() =>
      fetch(`${agent.server.url}/caddy/forward-auth`, {
        redirect: "manual",
        headers: {
          "x-forwarded-host": `5000.${hostname}:8443`,
          "x-forwarded-uri": `/?token=${token}`,
          "x-forwarded-method": "GET",
        },
      }),
    );
    expect(login.status).toBe(302);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await check(5000, { cookie, accept: "text/html" });
    expect(page.status).toBe(502);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Nothing is listening on port 5000");
    const api = await check(5000, { cookie });
    expect(api.status).toBe(502);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("upstream_error");
    visibility.update([5000]);
    expect((await check(5000, { accept: "text/html" })).status).toBe(502);
    // Someone without the login learns nothing about a private port.
    visibility.update([]);
    expect((await check(5000, { accept: "text/html" })).status).toBe(401);
  });
});
