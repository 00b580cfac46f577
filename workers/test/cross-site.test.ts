import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { registrableDomain } from "../src/config/check.ts";
import { expectError } from "./support/api-cases.ts";
import { createApiKey, freshLogin, signIn } from "./support/session.ts";
import { testPublicUrl } from "./support/test-env.ts";

const keyCount = async (cookie: string) => {
  const res = await SELF.fetch(`${testPublicUrl}/api/keys`, { headers: { cookie } });
  return ((await res.json()) as { api_keys: unknown[] }).api_keys.length;
};

function createKey(headers: Record<string, string>) {
  return SELF.fetch(`${testPublicUrl}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "cross-site" }),
  });
}

describe("cookie-authenticated writes must come from the dashboard", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(freshLogin("csrf"));
  });

  it("refuses another site's Origin with 403 in the standard shape, and writes nothing", async () => {
    const before = await keyCount(cookie);
    const res = await createKey({ cookie, origin: "https://evil.example.net" });
    const body = await expectError(res, 403, "forbidden");
    expect(body.error.message).toContain("dashboard");
    const workspace = await SELF.fetch(`${testPublicUrl}/api/workspaces`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example.net", "content-type": "application/json" },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    expect(workspace.status).toBe(403);
    expect(await keyCount(cookie)).toBe(before);
  });

  it("refuses a cookie write without Origin unless the browser says Sec-Fetch-Site: same-origin", async () => {
    await expectError(await createKey({ cookie }), 403, "forbidden");
    await expectError(await createKey({ cookie, "sec-fetch-site": "cross-site" }), 403, "forbidden");
    expect((await createKey({ cookie, "sec-fetch-site": "same-origin" })).status).toBe(201);
  });

  it("accepts the dashboard's Origin, and reads from anywhere", async () => {
    expect((await createKey({ cookie, origin: testPublicUrl })).status).toBe(201);
    const read = await SELF.fetch(`${testPublicUrl}/api/me`, {
      headers: { cookie, origin: "https://evil.example.net" },
    });
    expect(read.status).toBe(200);
  });

  it("does not affect API keys sent as Bearer", async () => {
    const key = await createApiKey(cookie);
    const res = await createKey({ authorization: `Bearer ${key}`, origin: "https://evil.example.net" });
    expect(res.status).toBe(201);
  });
});

describe("WORKSPACE_DOMAIN on the dashboard's site", () => {
  it("finds registrable domains, including common multi-label suffixes", () => {
    expect(registrableDomain("berth.acme.com")).toBe("acme.com");
    expect(registrableDomain("ws.berth.acme.co.uk")).toBe("acme.co.uk");
    expect(registrableDomain("a.b.workers.dev")).toBe("b.workers.dev");
    expect(registrableDomain("localhost")).toBeNull();
    expect(registrableDomain("127.0.0.1")).toBeNull();
  });

  it("GET /api/health warns when they share one, and not when they are separate", async () => {
    const app = createApp();
    const health = async (publicUrl: string, domain: string) => {
      const res = await app.request(
        "/api/health",
        {},
        { ...env, BERTH_PUBLIC_URL: publicUrl, WORKSPACE_DOMAIN: domain },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { warnings: Array<{ setting: string; problem: string }> }).warnings;
    };
    const shared = await health("https://berth.acme.co.uk", "ws.acme.co.uk");
    expect(shared.map((w) => w.setting)).toEqual(["WORKSPACE_DOMAIN"]);
    expect(shared[0]?.problem).toContain("acme.co.uk");
    expect(await health("https://berth.acme.co.uk", "ws.other.co.uk")).toEqual([]);
    expect(await health("https://berth.acme.com", "acme-workspaces.dev")).toEqual([]);
  });
});

describe("the OpenAPI document tells the trust rules", () => {
  it("lists 403 and 429 on authenticated operations and 429 on the VM callbacks", async () => {
    const doc = (await (await SELF.fetch(`${testPublicUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const create = doc.paths["/api/workspaces"]?.post?.responses ?? {};
    expect(Object.keys(create)).toEqual(expect.arrayContaining(["403", "409", "422", "429"]));
    expect(Object.keys(doc.paths["/api/me/usage"]?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "403", "429"]),
    );
    expect(Object.keys(doc.paths["/api/vm/workspaces/{id}/heartbeat"]?.post?.responses ?? {})).toContain(
      "429",
    );
    const keys = doc.paths["/api/keys"]?.get as unknown as { parameters: Array<{ name: string }> };
    expect(keys.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["limit", "cursor"]));
  });
});
