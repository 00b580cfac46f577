import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localCloudControl } from "../src/client.ts";
import type { LocalCloud } from "../src/index.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof hetzner>;
let ctl: ReturnType<typeof localCloudControl>;

beforeAll(async () => {
  cloud = await startEphemeral({ hetznerBootMs: 0 });
  api = hetzner(cloud);
  ctl = localCloudControl(cloud.urls.hetzner);
});
afterAll(() => cloud.stop());
beforeEach(() => ctl.reset());

describe("request recording", () => {
  it("records method, path, query, body and status, hides authorization, skips control calls", async () => {
    await api("POST", "/servers", serverBody("rec", { labels: { a: "b" } }));
    await api("GET", "/servers?label_selector=a%3Db&per_page=5");
    await ctl.state();
    const reqs = await ctl.requests();
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /v1/servers 201",
      "GET /v1/servers 200",
    ]);
    expect(reqs[0]?.body).toMatchObject({ name: "rec", labels: { a: "b" } });
    expect(reqs[1]?.query).toEqual({ label_selector: "a=b", per_page: "5" });
    expect(reqs[0]?.headers.authorization).toBeUndefined();
    expect(reqs[0]?.headers["content-type"]).toBe("application/json");
    expect(Number.isNaN(Date.parse(reqs[0]?.at ?? ""))).toBe(false);
    await ctl.clearRequests();
    expect(await ctl.requests()).toEqual([]);
  });

  it("dumps state including user_data, and reset clears servers, faults and requests", async () => {
    await api("POST", "/servers", serverBody("dump", { user_data: "secret-ud" }));
    const state = await ctl.state<{ servers: Array<{ name: string; user_data: string; status: string }> }>();
    expect(state.servers).toHaveLength(1);
    expect(state.servers[0]).toMatchObject({ name: "dump", user_data: "secret-ud", status: "running" });
    await ctl.fault({ path: "/v1/servers", status: 500, times: 0 });
    await ctl.reset();
    expect((await ctl.state<{ servers: unknown[] }>()).servers).toEqual([]);
    expect(await ctl.requests()).toEqual([]);
    expect((await api("GET", "/servers")).status).toBe(200);
    const again = await api("POST", "/servers", serverBody("dump"));
    expect(again.json.server.id).toBe(1);
  });
});

describe("faults", () => {
  it("answers an injected status in Hetzner's error shape, `times` times", async () => {
    await ctl.fault({ method: "POST", path: "/v1/servers", status: 503, times: 2 });
    const r1 = await api("POST", "/servers", serverBody("f1"));
    expect(r1.status).toBe(503);
    expect(r1.json.error.code).toBe("unavailable");
    expect(typeof r1.json.error.message).toBe("string");
    expect((await api("GET", "/servers")).status).toBe(200); // method does not match
    expect((await api("POST", "/servers", serverBody("f1"))).status).toBe(503);
    expect((await api("POST", "/servers", serverBody("f1"))).status).toBe(201);
    const state = await ctl.state<{ servers: unknown[] }>();
    expect(state.servers).toHaveLength(1); // the faulted creates did nothing
    const recorded = await ctl.requests();
    expect(recorded.filter((r) => r.fault === "status").length).toBe(2);
  });

  it("uses a custom body and headers, and times: 0 lasts until cleared", async () => {
    await ctl.fault({
      path: "/v1/servers",
      status: 429,
      body: { custom: true },
      headers: { "Retry-After": "7" },
      times: 0,
    });
    for (let i = 0; i < 3; i++) {
      const r = await api("GET", "/servers");
      expect(r.status).toBe(429);
      expect(r.json).toEqual({ custom: true });
      expect(r.headers.get("retry-after")).toBe("7");
    }
    await ctl.clearFaults();
    expect((await api("GET", "/servers")).status).toBe(200);
  });

  it("matches the path as a prefix", async () => {
    await ctl.fault({ path: "/v1/servers/", status: 500 });
    expect((await api("GET", "/servers")).status).toBe(200);
    expect((await api("GET", "/servers/1")).status).toBe(500);
  });

  it("loseResponse performs the create but the client gets a socket error", async () => {
    await ctl.fault({ method: "POST", path: "/v1/servers", loseResponse: true });
    await expect(api("POST", "/servers", serverBody("lost"))).rejects.toThrow();
    const list = await api("GET", "/servers?name=lost");
    expect(list.json.servers).toHaveLength(1);
    const rec = (await ctl.requests()).find((r) => r.method === "POST");
    expect(rec).toMatchObject({ status: 201, fault: "lost" });
  });

  it("delayMs delays the real answer", async () => {
    await ctl.fault({ path: "/v1/servers", delayMs: 300 });
    const t0 = Date.now();
    const r = await api("GET", "/servers");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(r.status).toBe(200);
    const t1 = Date.now();
    await api("GET", "/servers");
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it("rejects malformed fault rules", async () => {
    await expect(ctl.fault({ path: "no-slash" })).rejects.toThrow(/400/);
    await expect(ctl.fault({ path: "/x", status: 42 })).rejects.toThrow(/400/);
  });

  it("control endpoints live on every service's port", async () => {
    for (const url of [cloud.urls.cloudflare, cloud.urls.github]) {
      const c = localCloudControl(url);
      await c.fault({ path: "/", status: 500 });
      const res = await fetch(`${new URL(url).origin}/anything`);
      expect(res.status).toBe(500);
      expect((await c.requests()).map((r) => r.status)).toEqual([500]);
      await c.reset();
      expect(await c.requests()).toEqual([]);
    }
  });
});
