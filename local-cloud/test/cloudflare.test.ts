import Cloudflare from "cloudflare";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localCloudControl } from "../src/client.ts";
import { DEFAULT_ZONE, type LocalCloud } from "../src/index.ts";
import { CF_TOKEN, startEphemeral } from "./helpers.ts";

const zone_id = DEFAULT_ZONE.id;
let cloud: LocalCloud;
let cf: Cloudflare;

beforeAll(async () => {
  cloud = await startEphemeral();
  cf = new Cloudflare({ apiToken: CF_TOKEN, baseURL: cloud.urls.cloudflare, maxRetries: 0 });
});
afterAll(() => cloud.stop());
beforeEach(() => localCloudControl(cloud.urls.cloudflare).reset());

describe("cloudflare DNS through the official SDK", () => {
  it("creates, gets, lists and deletes records", async () => {
    const rec = await cf.dns.records.create({
      zone_id,
      type: "A",
      name: "abc123",
      content: "127.0.10.1",
      ttl: 60,
      proxied: false,
      comment: "berth:ws:abc123",
    });
    expect(rec.id).toMatch(/^[0-9a-f]{32}$/);
    expect(rec).toMatchObject({
      name: "abc123.localhost",
      type: "A",
      content: "127.0.10.1",
      ttl: 60,
      proxied: false,
    });
    expect(rec.comment).toBe("berth:ws:abc123");
    expect(rec.tags).toEqual([]);
    const wild = await cf.dns.records.create({
      zone_id,
      type: "A",
      name: "*.abc123.localhost",
      content: "127.0.10.1",
      ttl: 1,
      comment: "berth:ws:abc123",
    });
    expect(wild.name).toBe("*.abc123.localhost");
    const got = await cf.dns.records.get(rec.id, { zone_id });
    expect(got.content).toBe("127.0.10.1");

    const byComment = [];
    for await (const r of cf.dns.records.list({ zone_id, comment: { startswith: "berth:ws:abc" } }))
      byComment.push(r);
    expect(byComment.map((r) => r.name).sort()).toEqual(["*.abc123.localhost", "abc123.localhost"]);
    const exact = await cf.dns.records.list({ zone_id, name: { exact: "abc123.localhost" }, type: "A" });
    expect(exact.result.map((r) => r.id)).toEqual([rec.id]);

    const deleted = await cf.dns.records.delete(rec.id, { zone_id });
    expect(deleted?.id).toBe(rec.id);
    const err = await cf.dns.records.get(rec.id, { zone_id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.NotFoundError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).errors).toEqual([
      { code: 81044, message: "Record does not exist." },
    ]);
  });

  it("iterates list pages (result_info.total_pages) across more than one page", async () => {
    for (let i = 0; i < 12; i++)
      await cf.dns.records.create({
        zone_id,
        type: "A",
        name: `p${i}`,
        content: `127.0.10.${i + 1}`,
        ttl: 1,
      });
    const first = await cf.dns.records.list({ zone_id, per_page: 5 });
    expect(first.result).toHaveLength(5);
    expect(first.result_info).toMatchObject({
      page: 1,
      per_page: 5,
      count: 5,
      total_count: 12,
      total_pages: 3,
    });
    const names: string[] = [];
    for await (const r of cf.dns.records.list({ zone_id, per_page: 5 })) names.push(r.name);
    expect(names).toHaveLength(12);
    expect(new Set(names).size).toBe(12);
    const reqs = await localCloudControl(cloud.urls.cloudflare).requests();
    const pages = reqs
      .filter((r) => r.method === "GET" && r.path.endsWith("/dns_records"))
      .map((r) => r.query.page);
    expect(pages).toEqual([undefined, undefined, "2", "3", "4"]);
  });

  it("surfaces the identical-record error through the SDK", async () => {
    const body = { zone_id, type: "A" as const, name: "dup", content: "127.0.10.9", ttl: 1 as const };
    await cf.dns.records.create(body);
    const err = await cf.dns.records.create(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.BadRequestError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).errors[0]).toEqual({
      code: 81058,
      message: "An identical record already exists.",
    });
    // same name, other content is allowed (round-robin A records)
    await expect(cf.dns.records.create({ ...body, content: "127.0.10.10" })).resolves.toBeTruthy();
    const cname = await cf.dns.records
      .create({ zone_id, type: "CNAME", name: "dup", content: "x.localhost", ttl: 1 })
      .catch((e: unknown) => e);
    expect((cname as InstanceType<typeof Cloudflare.APIError>).errors[0]?.code).toBe(81053);
  });

  it("validates content and patches records", async () => {
    const bad = await cf.dns.records
      .create({ zone_id, type: "A", name: "x", content: "not-an-ip", ttl: 1 })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(Cloudflare.BadRequestError);
    const rec = await cf.dns.records.create({ zone_id, type: "A", name: "x", content: "127.0.10.3", ttl: 1 });
    const patched = await cf.dns.records.edit(rec.id, {
      zone_id,
      type: "A",
      name: "x",
      content: "127.0.10.4",
      ttl: 1,
    });
    expect(patched).toMatchObject({ id: rec.id, content: "127.0.10.4", name: "x.localhost" });
    expect(cloud.cloudflare.resolve("x.localhost")).toBe("127.0.10.4");
  });

  it("lists zones filtered by name", async () => {
    const zones = await cf.zones.list({ name: "localhost" });
    expect(zones.result.map((z) => z.id)).toEqual([zone_id]);
    expect((await cf.zones.list({ name: "example.com" })).result).toEqual([]);
  });

  it("rejects a bad token with 403 / 10000", async () => {
    const bad = new Cloudflare({ apiToken: "nope", baseURL: cloud.urls.cloudflare, maxRetries: 0 });
    const err = await bad.dns.records.list({ zone_id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.PermissionDeniedError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).errors).toEqual([
      { code: 10000, message: "Authentication error" },
    ]);
  });

  it("rate limits per token with 429, code 971 and Retry-After", async () => {
    const small = await startEphemeral({ cloudflareRateLimit: { limit: 2 } });
    try {
      const url = `${small.urls.cloudflare}/zones/${zone_id}/dns_records`;
      const headers = { authorization: `Bearer ${CF_TOKEN}` };
      expect((await fetch(url, { headers })).status).toBe(200);
      expect((await fetch(url, { headers })).status).toBe(200);
      const res = await fetch(url, { headers });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { success: boolean; errors: Array<{ code: number }> };
      expect(body.success).toBe(false);
      expect(body.errors[0]?.code).toBe(971);
    } finally {
      await small.stop();
    }
  });

  it("answers injected faults in Cloudflare's envelope", async () => {
    const ctl = localCloudControl(cloud.urls.cloudflare);
    await ctl.fault({ method: "POST", path: "/client/v4/zones", status: 429 });
    const res = await fetch(`${cloud.urls.cloudflare}/zones/${zone_id}/dns_records`, {
      method: "POST",
      headers: { authorization: `Bearer ${CF_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "A", name: "f", content: "127.0.0.1" }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ success: false, errors: [{ code: 971 }] });
    expect(cloud.cloudflare.list()).toEqual([]);
  });
});

describe("CloudflareState.resolve", () => {
  it("honours exact A records and wildcards with DNS closest-encloser rules", () => {
    const s = cloud.cloudflare;
    const zone = { id: zone_id, name: "localhost" };
    const a = { ttl: 1, proxied: false, comment: null, tags: [] };
    s.create(zone, { ...a, type: "A", name: "ws1.localhost", content: "127.0.10.1" });
    s.create(zone, { ...a, type: "A", name: "*.ws1.localhost", content: "127.0.10.2" });
    s.create(zone, { ...a, type: "A", name: "api.ws1.localhost", content: "127.0.10.3" });
    s.create(zone, { ...a, type: "CNAME", name: "alias.localhost", content: "ws1.localhost" });
    expect(s.resolve("ws1.localhost")).toBe("127.0.10.1");
    expect(s.resolve("WS1.localhost.")).toBe("127.0.10.1");
    expect(s.resolve("8080.ws1.localhost")).toBe("127.0.10.2");
    expect(s.resolve("a.b.ws1.localhost")).toBe("127.0.10.2");
    expect(s.resolve("api.ws1.localhost")).toBe("127.0.10.3");
    expect(s.resolve("alias.localhost")).toBe("127.0.10.1");
    expect(s.resolve("ws2.localhost")).toBeNull();
    expect(s.resolve("x.ws2.localhost")).toBeNull();
    // the wildcard does not cover names below an existing name (api.ws1 exists)
    expect(s.resolve("x.api.ws1.localhost")).toBeNull();
  });
});
