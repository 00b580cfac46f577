import { localCloudControl } from "@berth/local-cloud/client";
import { describe, expect, test } from "vitest";
import { createHetznerProvider } from "../../src/providers/hetzner/index.ts";
import { ProviderError, type ServerSpec } from "../../src/providers/types.ts";
import { caught, hetznerToken, hetznerUrl, uniqueSuffix } from "./support.ts";

const control = localCloudControl(hetznerUrl);
const provider = createHetznerProvider({ baseUrl: hetznerUrl, token: hetznerToken });

function spec(name: string, labels: Record<string, string>): ServerSpec {
  return {
    name,
    serverType: "cx23",
    location: "fsn1",
    image: "ubuntu-24.04",
    userData: "#cloud-config\n",
    labels,
  };
}

/** An id no server has: faults scoped to its path touch no other test's requests. */
function unusedId(): number {
  return 900_000_000 + Math.floor(Math.random() * 90_000_000);
}

// Faults on POST /v1/servers are process-wide; tests in a file run one at a time (vitest default),
// so this file never consumes its own rules; other files may still create servers meanwhile.
describe("hetzner provider", () => {
  test("create, get, list by label across pages, delete, delete again", async () => {
    const run = uniqueSuffix();
    const labels = { "berth.test": run };
    const created = await provider.createServer(spec(`ws-${run}`, { ...labels, role: "main" }));
    expect(created).toMatchObject({ name: `ws-${run}`, serverType: "cx23", labels: { role: "main" } });
    expect(created.id).toBeGreaterThan(0);
    // Loopback, counted up from 127.0.10.0: the whole suite shares one stand-in, so past .255 too.
    expect(created.ipv4).toMatch(/^127\.0\.\d+\.\d+$/);
    expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);

    const got = await provider.getServer(created.id);
    expect(got).toMatchObject({ id: created.id, name: created.name, ipv4: created.ipv4 });
    expect(got?.status).toBeTypeOf("string");

    // 54 more: more than one page of 50.
    for (let batch = 0; batch < 6; batch++)
      await Promise.all(
        Array.from({ length: 9 }, (_, i) => provider.createServer(spec(`ws-${run}-${batch}-${i}`, labels))),
      );
    const all = await provider.listServers(`berth.test=${run}`);
    expect(all).toHaveLength(55);
    expect(new Set(all.map((s) => s.id)).size).toBe(55);
    expect(await provider.listServers(`berth.test=${run},role=main`)).toEqual([
      expect.objectContaining({ id: created.id }),
    ]);
    const pages = (await control.requests()).filter(
      (r) => r.method === "GET" && r.path === "/v1/servers" && r.query.label_selector === `berth.test=${run}`,
    );
    expect(pages.map((r) => r.query.page)).toEqual(["1", "2"]);
    expect(pages.every((r) => r.query.per_page === "50")).toBe(true);

    for (const s of all) await provider.deleteServer(s.id);
    expect(await provider.getServer(created.id)).toBeNull();
    await provider.deleteServer(created.id); // already gone: still a success
    expect(await provider.listServers(`berth.test=${run}`)).toEqual([]);
  });

  test("sends the documented create body", async () => {
    const run = uniqueSuffix();
    const s = await provider.createServer(spec(`body-${run}`, { "berth.test": run }));
    const post = (await control.requests()).find(
      (r) => r.method === "POST" && (r.body as { name?: string } | null)?.name === `body-${run}`,
    );
    expect(post?.body).toEqual({
      name: `body-${run}`,
      server_type: "cx23",
      location: "fsn1",
      image: "ubuntu-24.04",
      user_data: "#cloud-config\n",
      labels: { "berth.test": run },
      start_after_create: true,
      public_net: { enable_ipv4: true, enable_ipv6: false },
    });
    await provider.deleteServer(s.id);
  });

  test("a wrong token is 'unauthorized' and the token is not in the message", async () => {
    const secret = `wrong-token-${uniqueSuffix()}`;
    const bad = createHetznerProvider({ baseUrl: hetznerUrl, token: secret });
    const err = await caught(() => bad.listServers("berth.test=x"));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ service: "hetzner", status: 401, code: "unauthorized", retryable: false });
    expect(String((err as Error).message)).not.toContain(secret);
    expect(String((err as Error).stack)).not.toContain(secret);
  });

  test("429 carries Retry-After, or RateLimit-Reset minus now", async () => {
    const id = unusedId();
    await control.fault({
      method: "GET",
      path: `/v1/servers/${id}`,
      status: 429,
      headers: { "Retry-After": "7" },
    });
    const withRetryAfter = await caught(() => provider.getServer(id));
    expect(withRetryAfter).toMatchObject({ status: 429, code: "rate_limit_exceeded", retryAfterSeconds: 7 });
    expect((withRetryAfter as ProviderError).retryable).toBe(true);

    const reset = Math.floor(Date.now() / 1000) + 30;
    await control.fault({
      method: "GET",
      path: `/v1/servers/${id}`,
      status: 429,
      headers: { "RateLimit-Reset": String(reset) },
    });
    const withReset = (await caught(() => provider.getServer(id))) as ProviderError;
    expect(withReset.status).toBe(429);
    expect(withReset.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(withReset.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  test("500 is a retryable ProviderError with Hetzner's code", async () => {
    const id = unusedId();
    await control.fault({ method: "DELETE", path: `/v1/servers/${id}`, status: 500 });
    const err = await caught(() => provider.deleteServer(id));
    expect(err).toMatchObject({
      service: "hetzner",
      status: 500,
      code: "server_error",
      retryAfterSeconds: null,
    });
    expect((err as ProviderError).retryable).toBe(true);
  });

  test("a non-JSON 502 from a proxy still maps to a ProviderError", async () => {
    const id = unusedId();
    await control.fault({
      method: "GET",
      path: `/v1/servers/${id}`,
      status: 502,
      body: "<html>bad gateway</html>",
    });
    const err = await caught(() => provider.getServer(id));
    expect(err).toMatchObject({ status: 502, code: "http_502" });
  });

  test("a slow answer beyond timeoutMs is a prompt network error", async () => {
    const id = unusedId();
    const quick = createHetznerProvider({ baseUrl: hetznerUrl, token: hetznerToken, timeoutMs: 200 });
    await control.fault({ method: "GET", path: `/v1/servers/${id}`, delayMs: 2000 });
    const started = Date.now();
    const err = await caught(() => quick.getServer(id));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toMatchObject({ service: "hetzner", status: 0, code: "network" });
    expect((err as ProviderError).retryable).toBe(true);
  });

  test("a connection refused is a network error", async () => {
    const down = createHetznerProvider({ baseUrl: "http://127.0.0.1:9/v1", token: hetznerToken });
    const err = await caught(() => down.getServer(1));
    expect(err).toMatchObject({ status: 0, code: "network" });
    expect((err as Error).message).not.toContain(hetznerToken);
  });

  test("a lost create response is a network error, and the server is findable by label", async () => {
    const run = uniqueSuffix();
    await control.fault({ method: "POST", path: "/v1/servers", loseResponse: true });
    const err = await caught(() => provider.createServer(spec(`lost-${run}`, { "berth.test": run })));
    expect(err).toMatchObject({ service: "hetzner", status: 0, code: "network" });
    const found = await provider.listServers(`berth.test=${run}`);
    expect(found.map((s) => s.name)).toEqual([`lost-${run}`]);
    for (const s of found) await provider.deleteServer(s.id);
  });

  test("server type prices include cx23 with a positive hourly gross price", async () => {
    const prices = await provider.listServerTypePrices();
    const cx23 = prices.filter((p) => p.serverType === "cx23");
    expect(cx23.length).toBeGreaterThan(0);
    for (const p of cx23) {
      expect(p.hourlyGross).toBeGreaterThan(0);
      expect(p.architecture).toBe("x86");
      expect(p.location).toMatch(/^[a-z]+\d+$/);
    }
    expect(prices.some((p) => p.architecture === "arm")).toBe(true);
  });
});
