import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalCloud, ServerCreatedEvent, ServerDeletedEvent } from "../src/index.ts";
import { hetzner, serverBody, startEphemeral } from "./helpers.ts";

let cloud: LocalCloud;
let api: ReturnType<typeof hetzner>;

beforeAll(async () => {
  cloud = await startEphemeral({ hetznerBootMs: 200 });
  api = hetzner(cloud);
});
afterAll(() => cloud.stop());
beforeEach(async () => {
  await fetch(`${new URL(cloud.urls.hetzner).origin}/__berth/reset`, { method: "POST" });
});

describe("hetzner servers", () => {
  it("creates a server with Hetzner's response shape and a loopback IPv4", async () => {
    const res = await api(
      "POST",
      "/servers",
      serverBody("ws-a", { labels: { "berth.dev/ws": "a" }, user_data: "#cloud-config\n" }),
    );
    expect(res.status).toBe(201);
    expect(res.json.next_actions).toEqual([]);
    expect(res.json.root_password).toBeNull();
    expect(res.json.action).toMatchObject({ command: "create_server", status: "running", error: null });
    expect(res.json.action.resources).toEqual([{ id: res.json.server.id, type: "server" }]);
    const s = res.json.server;
    expect(s).toMatchObject({
      id: 1,
      name: "ws-a",
      status: "initializing",
      labels: { "berth.dev/ws": "a" },
      public_net: { ipv4: { ip: "127.0.10.1", blocked: false }, ipv6: null, floating_ips: [], firewalls: [] },
      server_type: { name: "cx23", cores: 2, memory: 4 },
      datacenter: { location: { name: "fsn1" } },
      image: { name: "ubuntu-24.04" },
    });
    expect(s.user_data).toBeUndefined();
    expect(Number.isNaN(Date.parse(s.created))).toBe(false);
    const second = await api("POST", "/servers", serverBody("ws-b"));
    expect(second.json.server.id).toBe(2);
    expect(second.json.server.public_net.ipv4.ip).toBe("127.0.10.2");
  });

  it("hands out addresses from another /24 when told to, and refuses a base off loopback", async () => {
    const other = await startEphemeral({ hetznerIpBase: "127.3.10.0" });
    try {
      const res = await hetzner(other)("POST", "/servers", serverBody("elsewhere"));
      expect(res.json.server.public_net.ipv4.ip).toBe("127.3.10.1");
    } finally {
      await other.stop();
    }
    await expect(startEphemeral({ hetznerIpBase: "10.0.0.0" })).rejects.toThrow(/loopback/);
  });

  it("turns initializing into running after the boot time, and the action into success", async () => {
    const created = await api("POST", "/servers", serverBody("boot"));
    const id = created.json.server.id;
    expect((await api("GET", `/servers/${id}`)).json.server.status).toBe("initializing");
    await new Promise((r) => setTimeout(r, 250));
    expect((await api("GET", `/servers/${id}`)).json.server.status).toBe("running");
    const action = await api("GET", `/actions/${created.json.action.id}`);
    expect(action.json.action).toMatchObject({ status: "success", progress: 100 });
    expect(action.json.action.finished).not.toBeNull();
  });

  it("emits created / deleted events carrying user_data", async () => {
    const created: ServerCreatedEvent[] = [];
    const deleted: ServerDeletedEvent[] = [];
    const off1 = cloud.hetzner.onServerCreated((e) => created.push(e));
    const off2 = cloud.hetzner.onServerDeleted((e) => deleted.push(e));
    const res = await api("POST", "/servers", serverBody("evt", { user_data: "hello" }));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ userData: "hello", ip: "127.0.10.1", server: { name: "evt" } });
    expect(cloud.hetzner.userData(res.json.server.id)).toBe("hello");
    const del = await api("DELETE", `/servers/${res.json.server.id}`);
    expect(del.status).toBe(200);
    expect(del.json.action.command).toBe("delete_server");
    expect(deleted.map((e) => e.server.id)).toEqual([res.json.server.id]);
    off1();
    off2();
    await api("POST", "/servers", serverBody("evt2"));
    expect(created).toHaveLength(1);
  });

  it("GET /servers/:id returns 404 for unknown and deleted servers", async () => {
    const missing = await api("GET", "/servers/42");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: "not_found", message: "server with ID '42' not found" } });
    const res = await api("POST", "/servers", serverBody("gone"));
    await api("DELETE", `/servers/${res.json.server.id}`);
    expect((await api("GET", `/servers/${res.json.server.id}`)).status).toBe(404);
    expect((await api("DELETE", `/servers/${res.json.server.id}`)).status).toBe(404);
  });

  it("rejects invalid input with per-field details", async () => {
    const res = await api("POST", "/servers", {
      name: "not_a_hostname!",
      server_type: "cx99",
      location: "mars1",
      user_data: "x".repeat(32769),
      labels: { "bad key!": "v" },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_input");
    const names = res.json.error.details.fields.map((f: { name: string }) => f.name).sort();
    expect(names).toEqual(["image", "labels", "location", "name", "server_type", "user_data"]);
    const ok = await api("POST", "/servers", serverBody("edge", { user_data: "x".repeat(32768) }));
    expect(ok.status).toBe(201);
    const badValue = await api("POST", "/servers", serverBody("lv", { labels: { k: "-bad" } }));
    expect(badValue.status).toBe(400);
    const malformed = await fetch(`${cloud.urls.hetzner}/servers`, {
      method: "POST",
      headers: { authorization: "Bearer local-hetzner-token", "content-type": "application/json" },
      body: "{nope",
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("json_error");
  });

  it("refuses a duplicate name with 409 uniqueness_error", async () => {
    expect((await api("POST", "/servers", serverBody("dup"))).status).toBe(201);
    const res = await api("POST", "/servers", serverBody("dup"));
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("uniqueness_error");
  });

  it("updates name and labels with PUT, and runs power actions", async () => {
    const { json } = await api("POST", "/servers", serverBody("old", { labels: { a: "1" } }));
    await api("POST", "/servers", serverBody("taken"));
    const put = await api("PUT", `/servers/${json.server.id}`, { name: "new", labels: { b: "2" } });
    expect(put.status).toBe(200);
    expect(put.json.server).toMatchObject({ name: "new", labels: { b: "2" } });
    expect(put.json.server.labels.a).toBeUndefined();
    expect((await api("PUT", `/servers/${json.server.id}`, { name: "taken" })).status).toBe(409);
    expect((await api("PUT", `/servers/${json.server.id}`, { labels: { "x y": "1" } })).status).toBe(400);
    const off = await api("POST", `/servers/${json.server.id}/actions/poweroff`);
    expect(off.status).toBe(201);
    expect(off.json.action.command).toBe("stop_server");
    expect((await api("GET", `/servers/${json.server.id}`)).json.server.status).toBe("off");
    await api("POST", `/servers/${json.server.id}/actions/poweron`);
    expect((await api("GET", `/servers/${json.server.id}`)).json.server.status).toBe("running");
    expect((await api("POST", "/servers/999/actions/poweron")).status).toBe(404);
  });

  it("requires the bearer token", async () => {
    const bad = hetzner(cloud, "wrong");
    const res = await bad("GET", "/servers");
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "unauthorized", message: "unable to authenticate" } });
    const none = await fetch(`${cloud.urls.hetzner}/servers`);
    expect(none.status).toBe(401);
  });
});

describe("hetzner listing", () => {
  beforeEach(async () => {
    for (let i = 1; i <= 7; i++) {
      const labels: Record<string, string> = { app: "berth", idx: String(i) };
      if (i % 2 === 0) labels.even = "";
      if (i <= 3) labels.tier = i === 1 ? "gold" : "silver";
      await api("POST", "/servers", serverBody(`s${i}`, { labels }));
    }
  });

  const names = async (query: string) =>
    (await api("GET", `/servers?${query}`)).json.servers.map((s: { name: string }) => s.name);

  it("paginates with meta.pagination", async () => {
    const p1 = await api("GET", "/servers?per_page=3");
    expect(p1.json.servers.map((s: { name: string }) => s.name)).toEqual(["s1", "s2", "s3"]);
    expect(p1.json.meta.pagination).toEqual({
      page: 1,
      per_page: 3,
      previous_page: null,
      next_page: 2,
      last_page: 3,
      total_entries: 7,
    });
    const p3 = await api("GET", "/servers?per_page=3&page=3");
    expect(p3.json.servers.map((s: { name: string }) => s.name)).toEqual(["s7"]);
    expect(p3.json.meta.pagination).toMatchObject({ previous_page: 2, next_page: null, last_page: 3 });
    const dflt = await api("GET", "/servers");
    expect(dflt.json.meta.pagination.per_page).toBe(25);
    expect((await api("GET", "/servers?per_page=500")).json.meta.pagination.per_page).toBe(50);
  });

  it("filters by label selectors", async () => {
    expect(await names("label_selector=idx=2")).toEqual(["s2"]);
    expect(await names("label_selector=idx==3")).toEqual(["s3"]);
    expect(await names(`label_selector=${encodeURIComponent("tier!=gold")}`)).toEqual([
      "s2",
      "s3",
      "s4",
      "s5",
      "s6",
      "s7",
    ]);
    expect(await names("label_selector=even")).toEqual(["s2", "s4", "s6"]);
    expect(await names(`label_selector=${encodeURIComponent("!tier")}`)).toEqual(["s4", "s5", "s6", "s7"]);
    expect(await names(`label_selector=${encodeURIComponent("idx in (1,5, 7)")}`)).toEqual([
      "s1",
      "s5",
      "s7",
    ]);
    expect(await names(`label_selector=${encodeURIComponent("idx notin (1,2,3,4,5)")}`)).toEqual([
      "s6",
      "s7",
    ]);
    expect(await names(`label_selector=${encodeURIComponent("app=berth,even,idx in (2,4)")}`)).toEqual([
      "s2",
      "s4",
    ]);
    expect(await names("label_selector=app=other")).toEqual([]);
    const bad = await api("GET", `/servers?label_selector=${encodeURIComponent("idx in (1")}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_input");
  });

  it("filters by name and status", async () => {
    // Statuses pinned: the timed initializing -> running (200 ms here) races a loaded machine.
    for (let id = 1; id <= 7; id++) cloud.hetzner.setServerStatus(id, "initializing");
    expect(await names("name=s4")).toEqual(["s4"]);
    expect(await names("status=running")).toEqual([]);
    expect((await names("status=initializing")).length).toBe(7);
    cloud.hetzner.setServerStatus(5, "off");
    cloud.hetzner.setServerStatus(2, "running");
    expect(await names("status=off")).toEqual(["s5"]);
    expect(await names("status=running")).toEqual(["s2"]);
  });
});

describe("hetzner catalog and rate limit", () => {
  it("serves server types with decimal-string prices, and locations", async () => {
    const types = await api("GET", "/server_types");
    const byName = Object.fromEntries(types.json.server_types.map((t: { name: string }) => [t.name, t]));
    for (const n of ["cx23", "cx33", "cx43", "cax11", "cax21", "cpx22"]) expect(byName[n]).toBeDefined();
    expect(byName.cx23).toMatchObject({ cores: 2, memory: 4, architecture: "x86" });
    expect(byName.cax11.architecture).toBe("arm");
    const price = byName.cx23.prices.find((p: { location: string }) => p.location === "nbg1");
    expect(price.price_hourly.net).toMatch(/^\d+\.\d{10}$/);
    expect(Number(price.price_monthly.gross)).toBeGreaterThan(Number(price.price_monthly.net));
    const locs = await api("GET", "/locations");
    expect(locs.json.locations.map((l: { name: string }) => l.name)).toEqual(["fsn1", "nbg1", "hel1"]);
  });

  it("sends RateLimit headers and answers 429 when the bucket is empty", async () => {
    const small = await startEphemeral({ hetznerRateLimit: { limit: 3 } });
    try {
      const call = hetzner(small);
      const r1 = await call("GET", "/servers");
      expect(r1.headers.get("ratelimit-limit")).toBe("3");
      expect(r1.headers.get("ratelimit-remaining")).toBe("2");
      const reset = Number(r1.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      await call("GET", "/servers");
      await call("GET", "/servers");
      const r4 = await call("GET", "/servers");
      expect(r4.status).toBe(429);
      expect(r4.json.error.code).toBe("rate_limit_exceeded");
      expect(r4.headers.get("ratelimit-remaining")).toBe("0");
      await fetch(`${new URL(small.urls.hetzner).origin}/__berth/reset`, { method: "POST" });
      expect((await call("GET", "/servers")).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});
