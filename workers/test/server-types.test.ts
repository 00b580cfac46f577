import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { hetzner } from "./support/lifecycle.ts";
import { api, freshLogin, signIn } from "./support/session.ts";
import { testPublicUrl } from "./support/test-env.ts";

interface ServerTypes {
  server_types: Array<{
    name: string;
    architecture: string;
    cores: number;
    memory_gb: number;
    prices: Array<{ location: string; hourly_eur: number }>;
  }>;
  default_server_type: string;
}

describe("GET /api/server-types", () => {
  it("lists what Hetzner sells with its prices, cheapest first, never a discontinued type", async () => {
    const cookie = await signIn(freshLogin("catalog"));
    const res = await api("/api/server-types", { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ServerTypes;
    expect(body.default_server_type).toBe("cx23");
    const cx23 = body.server_types.find((t) => t.name === "cx23");
    expect(cx23).toMatchObject({ architecture: "x86", cores: 2, memory_gb: 4 });
    expect(cx23?.prices.find((p) => p.location === "fsn1")?.hourly_eur).toBeGreaterThan(0);
    expect(body.server_types.map((t) => t.name)).not.toContain("cx22");
    const cheapest = body.server_types.map((t) => Math.min(...t.prices.map((p) => p.hourly_eur)));
    expect(cheapest).toEqual([...cheapest].sort((a, b) => a - b));
  });

  it("asks Hetzner at most once per ten minutes, however often the dashboard loads", async () => {
    const cookie = await signIn(freshLogin("catalog-cache"));
    await api("/api/server-types", { headers: { cookie } });
    await hetzner.clearRequests();
    for (let i = 0; i < 5; i++)
      expect((await api("/api/server-types", { headers: { cookie } })).status).toBe(200);
    expect((await hetzner.requests()).filter((r) => r.path === "/v1/server_types")).toHaveLength(0);
  });

  it("needs a signed-in user", async () => {
    expect((await api("/api/server-types")).status).toBe(401);
  });

  it("refuses to create a workspace on a type Hetzner no longer sells, and says so", async () => {
    const cookie = await signIn(freshLogin("cx22"));
    // Even when ALLOWED_SERVER_TYPES still lists it.
    const res = await createApp().request(
      "/api/workspaces",
      {
        method: "POST",
        headers: { cookie, origin: testPublicUrl, "content-type": "application/json" },
        body: JSON.stringify({ repo_url: "https://example.test/r.git", server_type: "cx22" }),
      },
      { ...env, ALLOWED_SERVER_TYPES: "cx22,cx23" },
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("no longer sold");
  });
});
