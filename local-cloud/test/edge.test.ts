import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CloudflareState, DEFAULT_ZONE, type Edge, startEdge } from "../src/index.ts";

// Fake VMs live on 127.0.20.x (not the simulator's 127.0.10.x) on ephemeral ports, so this file
// never collides with VM tests running in parallel.
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

let seq = 0;
function uniqueId(): string {
  return `edge${process.pid}x${++seq}`;
}

function addA(cf: CloudflareState, name: string, ip: string): void {
  cf.create(DEFAULT_ZONE, { name, type: "A", content: ip, ttl: 1, proxied: false, comment: null, tags: [] });
}

async function listen(server: Server | ReturnType<typeof createTcpServer>, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, "listening");
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

/** A VM stand-in: echoes what it received, and speaks just enough WebSocket to echo text frames. */
async function fakeVm(ip: string, tag: string): Promise<number> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.end(JSON.stringify({ tag, method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  server.on("upgrade", (req, socket: Socket) => {
    cleanup.push(() => socket.destroy()); // upgraded sockets are not closed by server.close()
    const accept = createHash("sha1")
      .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC11B65`)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Host: ${req.headers.host}\r\n\r\n`,
    );
    socket.on("data", (buf: Buffer) => {
      // One small masked client text frame per chunk is enough for this test.
      const len = (buf[1] as number) & 0x7f;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ (mask[i % 4] as number)));
      const reply = Buffer.from(`${tag}:${payload.toString()}`);
      socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
    });
  });
  cleanup.push(() => server.closeAllConnections());
  return listen(server, ip);
}

async function edgeFor(
  cf: CloudflareState,
  opts: { agentPort?: number; responseTimeoutMs?: number } = {},
): Promise<Edge> {
  const edge = await startEdge({ port: 0, cloudflare: cf, ...opts });
  cleanup.push(() => edge.stop());
  return edge;
}

function get(
  edge: Edge,
  host: string,
  path = "/",
  method = "GET",
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: edge.port, path, method, headers: { host } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Minimal WebSocket client over a raw socket (Node's WebSocket cannot set the Host header). */
async function wsEcho(edge: Edge, host: string, message: string): Promise<{ head: string; reply?: string }> {
  const sock = connect(edge.port, "127.0.0.1");
  cleanup.push(() => sock.destroy());
  await once(sock, "connect");
  sock.write(
    `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://${host}\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  const more = async () => {
    const [d] = (await once(sock, "data")) as [Buffer];
    buf = Buffer.concat([buf, d]);
  };
  while (!buf.includes("\r\n\r\n")) await more();
  const end = buf.indexOf("\r\n\r\n") + 4;
  const head = buf.subarray(0, end).toString();
  if (!head.startsWith("HTTP/1.1 101")) return { head: buf.toString() };
  buf = buf.subarray(end);
  const payload = Buffer.from(message);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((b, i) => b ^ (mask[i % 4] as number));
  sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
  while (buf.length < 2 || buf.length < 2 + ((buf[1] as number) & 0x7f)) await more();
  return { head, reply: buf.subarray(2, 2 + ((buf[1] as number) & 0x7f)).toString() };
}

describe("local edge", () => {
  it("proxies HTTP by hostname to the agent port, keeping Host and adding X-Forwarded-*", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const port = await fakeVm("127.0.20.1", "agent");
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "127.0.20.1");
    const edge = await edgeFor(cf, { agentPort: port });
    const res = await get(edge, `${id}.localhost:${edge.port}`, "/x?y=1", "POST", "hello");
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    const seen = JSON.parse(res.text);
    expect(seen).toMatchObject({ tag: "agent", method: "POST", url: "/x?y=1", body: "hello" });
    expect(seen.headers).toMatchObject({
      host: `${id}.localhost:${edge.port}`,
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-host": `${id}.localhost:${edge.port}`,
    });
    expect(edge.url).toBe(`http://localhost:${edge.port}`);
  });

  it("routes <port>.<id>.localhost through the wildcard record to that port", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const agentPort = await fakeVm("127.0.20.2", "agent");
    const appPort = await fakeVm("127.0.20.2", "app");
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "127.0.20.2");
    addA(cf, `*.${id}.localhost`, "127.0.20.2");
    const edge = await edgeFor(cf, { agentPort });
    const res = await get(edge, `${appPort}.${id}.localhost:${edge.port}`);
    expect(JSON.parse(res.text).tag).toBe("app");
    expect(JSON.parse((await get(edge, `${id}.localhost`)).text).tag).toBe("agent");
    // Like the VM's Caddy: other names under the workspace and /caddy/* on the agent are not served.
    const other = await get(edge, `www.${id}.localhost`);
    expect(other.status).toBe(404);
    expect((await get(edge, `${id}.localhost`, "/caddy/ask?domain=x")).status).toBe(404);
  });

  it("pipes WebSocket upgrades both ways, with the original Host", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const port = await fakeVm("127.0.20.3", "vm");
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "127.0.20.3");
    addA(cf, `*.${id}.localhost`, "127.0.20.3");
    const edge = await edgeFor(cf, { agentPort: port });
    const r = await wsEcho(edge, `${id}.localhost:${edge.port}`, "ping");
    expect(r.head).toContain(`X-Host: ${id}.localhost:${edge.port}`);
    expect(r.reply).toBe("vm:ping");
    const p = await wsEcho(edge, `${port}.${id}.localhost`, "to-port");
    expect(p.reply).toBe("vm:to-port");
  });

  it("answers unknown names with a small 404 page, for HTTP and WebSocket", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const edge = await edgeFor(cf);
    const res = await get(edge, `nope${process.pid}.localhost:${edge.port}`);
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.text).toContain(`No workspace at nope${process.pid}.localhost`);
    expect((await get(edge, "example.com")).status).toBe(404);
    expect((await get(edge, `localhost:${edge.port}`)).status).toBe(404);
    const ws = await wsEcho(edge, `nope${process.pid}.localhost`, "x");
    expect(ws.head).toMatch(/^HTTP\/1\.1 404/);
    expect(ws.head).toContain("No workspace at");
  });

  it("answers a name whose VM does not listen with a 502 page at once", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "127.0.20.4");
    const edge = await edgeFor(cf, { agentPort: 1 });
    const t0 = Date.now();
    const res = await get(edge, `${id}.localhost`);
    expect(res.status).toBe(502);
    expect(res.text).toContain(`Workspace ${id}.localhost is not answering`);
    expect(Date.now() - t0).toBeLessThan(5000);
    const ws = await wsEcho(edge, `${id}.localhost`, "x");
    expect(ws.head).toMatch(/^HTTP\/1\.1 502/);
  });

  it("gives a 504 when the VM accepts but never answers (a frozen agent)", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const silent = createTcpServer((s) => cleanup.push(() => s.destroy()));
    const port = await listen(silent, "127.0.20.5");
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "127.0.20.5");
    const edge = await edgeFor(cf, { agentPort: port, responseTimeoutMs: 300 });
    const res = await get(edge, `${id}.localhost`);
    expect(res.status).toBe(504);
    const ws = await wsEcho(edge, `${id}.localhost`, "x");
    expect(ws.head).toMatch(/^HTTP\/1\.1 504/);
  });

  it("refuses to proxy to a non-loopback address from the zone", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const id = uniqueId();
    addA(cf, `${id}.localhost`, "192.0.2.1");
    const edge = await edgeFor(cf);
    const res = await get(edge, `${id}.localhost`);
    expect(res.status).toBe(502);
    expect(res.text).toContain("not a local");
  });
});

/** An agent stand-in for forward-auth: cookie `ok=1` passes, `?token=good` sets it; records checks. */
async function fakeAgent(ip: string): Promise<{ port: number; checks: Array<Record<string, unknown>> }> {
  const checks: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    checks.push({ url: req.url, method: req.method, remote: req.socket.remoteAddress, headers: req.headers });
    const uri = String(req.headers["x-forwarded-uri"] ?? "");
    if (uri.includes("token=good")) {
      res.writeHead(302, { location: "/after", "set-cookie": "ok=1; Domain=x.localhost" });
      res.end();
    } else if ((req.headers.cookie ?? "").split("; ").includes("ok=1")) res.end();
    else {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("private port ✓");
    }
  });
  cleanup.push(() => server.closeAllConnections());
  return { port: await listen(server, ip), checks };
}

describe("local edge: forwarded ports ask the agent first (like Caddy's forward_auth)", () => {
  async function setup(ip: string) {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const agent = await fakeAgent(ip);
    const appPort = await fakeVm(ip, "app");
    const id = uniqueId();
    addA(cf, `${id}.localhost`, ip);
    addA(cf, `*.${id}.localhost`, ip);
    const edge = await edgeFor(cf, { agentPort: agent.port });
    return { agent, edge, host: `${appPort}.${id}.localhost:${edge.port}` };
  }

  function send(edge: Edge, host: string, path: string, headers: Record<string, string>, method = "GET") {
    return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
      (resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: edge.port, path, method, headers: { host, ...headers } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => {
              text += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        req.on("error", reject);
        req.end(method === "GET" ? undefined : "body");
      },
    );
  }

  it("relays the agent's 401 and never reaches the port; a good cookie passes", async () => {
    const { agent, edge, host } = await setup("127.0.20.6");
    const denied = await send(edge, host, "/p?q=1", { cookie: "ok=0", accept: "text/html" }, "POST");
    expect(denied.status).toBe(401);
    expect(denied.text).toBe("private port ✓");
    expect(agent.checks).toHaveLength(1);
    expect(agent.checks[0]).toMatchObject({ url: "/caddy/forward-auth", method: "GET", remote: "127.0.0.1" });
    const seen = agent.checks[0]?.headers as Record<string, string>;
    expect(seen).toMatchObject({
      "x-forwarded-host": host,
      "x-forwarded-uri": "/p?q=1",
      "x-forwarded-method": "POST",
      cookie: "ok=0",
      accept: "text/html",
    });
    // A direct loopback request for the agent: no X-Forwarded-For, no body.
    expect(seen["x-forwarded-for"]).toBeUndefined();
    expect(seen["content-length"]).toBeUndefined();

    const ok = await send(edge, host, "/p?q=1", { cookie: "ok=1" }, "POST");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ tag: "app", method: "POST", url: "/p?q=1", body: "body" });
  });

  it("the app on a port never sees Berth's login cookies (the agent does; other cookies pass)", async () => {
    const { agent, edge, host } = await setup("127.0.20.11");
    const cookie = "berth_terminal=T1; ok=1; theme=dark; berth_port=P1";
    const res = await send(edge, host, "/c", { cookie });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).headers.cookie).toBe("ok=1; theme=dark");
    // forward-auth still gets them: the agent checks the port cookie.
    expect(agent.checks[0]).toMatchObject({ headers: { cookie } });
    const only = await send(edge, host, "/c", { cookie: "berth_port=P1; ok=1" });
    expect(JSON.parse(only.text).headers.cookie).toBe("ok=1");
    // The workspace host (the agent itself) keeps them.
    const id = host.split(".")[1];
    await send(edge, `${id}.localhost:${edge.port}`, "/", { cookie });
    expect(agent.checks.at(-1)).toMatchObject({ url: "/", headers: { cookie } });
  });

  it("relays the agent's token exchange (302 + Set-Cookie) to the client", async () => {
    const { edge, host } = await setup("127.0.20.7");
    const res = await send(edge, host, "/x?token=good", {});
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/after");
    expect(res.headers["set-cookie"]).toEqual(["ok=1; Domain=x.localhost"]);
  });

  it("the workspace host itself is not subject to forward-auth (the agent does its own login)", async () => {
    const { agent, edge, host } = await setup("127.0.20.8");
    const id = host.split(".")[1];
    const res = await get(edge, `${id}.localhost`);
    expect(res.status).toBe(401); // the fake agent's own answer to a plain request
    expect(agent.checks[0]?.url).toBe("/");
  });

  it("WebSocket upgrades to a port host: the agent's refusal without the cookie", async () => {
    const { edge, host } = await setup("127.0.20.9");
    const ws = await wsEcho(edge, host, "x");
    expect(ws.head).toMatch(/^HTTP\/1\.1 401/);
    expect(ws.head).toContain("private port ✓");
  });

  it("a port host whose agent does not answer gets a 502 page, not the port", async () => {
    const cf = new CloudflareState([DEFAULT_ZONE]);
    const appPort = await fakeVm("127.0.20.10", "app");
    const id = uniqueId();
    addA(cf, `*.${id}.localhost`, "127.0.20.10");
    const edge = await edgeFor(cf, { agentPort: 1 });
    const res = await get(edge, `${appPort}.${id}.localhost`);
    expect(res.status).toBe(502);
    expect(res.text).not.toContain('"tag":"app"');
  });
});
