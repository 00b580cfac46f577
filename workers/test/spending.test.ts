import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { workspaces } from "../src/db/schema/index.ts";
import { newWorkspaceRow } from "../src/workspaces/new-row.ts";
import type { LifecycleDeps } from "../src/workspaces/reconcile.ts";
import { createWorkspace as createRow } from "../src/workspaces/service.ts";
import { cleanUpUser, created, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { depsAt, hetzner } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

const repo = "https://github.com/octocat/Hello-World.git";
const post = (cookie: string, body: Record<string, unknown>) =>
  api("/api/workspaces", {
    method: "POST",
    headers: { cookie },
    body: JSON.stringify({ repo_url: repo, ...body }),
  });

function withSettings(changes: Partial<LifecycleDeps["settings"]>): LifecycleDeps {
  const deps = depsAt();
  return { ...deps, settings: { ...deps.settings, ...changes } };
}

async function liveEverywhere(): Promise<number> {
  const row = await env.DB.prepare(
    // Asleep workspaces hold no VM and count against no limit.
    "select count(*) as n from workspaces where state not in ('deleted', 'failed', 'asleep')",
  ).first<{ n: number }>();
  return row?.n ?? 0;
}

/** A workspace that ran `hours` this month at `price` €/h and is gone now. */
async function pastWorkspace(ownerId: string, hours: number, price: number) {
  const now = Date.now();
  const id = `wspend${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const started = new Date(
    Math.max(
      now - hours * 3_600_000 + 60_000,
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1),
    ),
  );
  const row = newWorkspaceRow(
    {
      id,
      ownerId,
      name: id,
      repoUrl: repo,
      branch: null,
      serverType: "cx23",
      location: "fsn1",
      idleTimeoutMinutes: 30,
      hostname: `${id}.localhost`,
      idempotencyKey: null,
      hourlyPrice: price,
    },
    started,
  );
  await depsAt()
    .db.insert(workspaces)
    .values({
      ...row,
      state: "deleted",
      serverCreatedAt: started,
      endedAt: new Date(started.getTime() + hours * 3_600_000 - 60_000),
      cleanedUpAt: new Date(),
    });
}

describe("spending limits", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("spend");
  });
  afterAll(() => cleanUpUser(user));

  it("a server type outside ALLOWED_SERVER_TYPES is refused with 422 naming the allowed ones", async () => {
    const body = await expectError(
      await post(user.cookie, { server_type: "cx43" }),
      422,
      "validation_failed",
    );
    expect(body.error.details?.map((d) => d.path)).toContain("server_type");
    expect(body.error.message).toContain("cx23");
    const types = (await (await api("/api/server-types", { headers: { cookie: user.cookie } })).json()) as {
      server_types: Array<{ name: string }>;
    };
    expect(types.server_types.map((t) => t.name)).not.toContain("cx43");
    expect(types.server_types.map((t) => t.name)).toContain("cx23");
  });

  it("MAX_LIVE_WORKSPACES caps live workspaces across all users, also under concurrent creates", async () => {
    const others = await Promise.all([1, 2, 3].map(() => newUser("global")));
    const cap = (await liveEverywhere()) + 2;
    const deps = withSettings({ maxLiveWorkspaces: cap });
    const results = await Promise.allSettled(
      [...others, user].map((u) => createRow(deps, u.id, { repo_url: repo }, null)),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    for (const r of refused) expect(String((r as PromiseRejectedResult).reason.code)).toBe("limit_reached");
    expect(await liveEverywhere()).toBe(cap);
    await env.DB.prepare(
      `delete from workspaces where state = 'creating' and owner_id in (${[...others, user].map(() => "?").join(",")})`,
    )
      .bind(...[...others, user].map((u) => u.id))
      .run();
  });

  it("over MONTHLY_BUDGET_EUR, create fails with 409 budget_exhausted; /api/me/usage shows spend and budget", async () => {
    await pastWorkspace(user.id, 3, 0.5); // 3 billed hours × €0.50
    const app = createApp();
    const withBudget = (budget: string) => ({ ...env, MONTHLY_BUDGET_EUR: budget });
    const usage = await app.request("/api/me/usage", { headers: { cookie: user.cookie } }, withBudget("2"));
    expect(await usage.json()).toMatchObject({ spent_eur: 1.5, budget_eur: 2, remaining_eur: 0.5 });

    const refused = await app.request(
      "/api/workspaces",
      {
        method: "POST",
        headers: { cookie: user.cookie, origin: env.BERTH_PUBLIC_URL, "content-type": "application/json" },
        body: JSON.stringify({ repo_url: repo }),
      },
      withBudget("1.5"),
    );
    const body = await expectError(refused, 409, "budget_exhausted");
    expect(body.error.message).toContain("1.50");
    await expect(
      createRow(withSettings({ monthlyBudgetEur: 1.5 }), user.id, { repo_url: repo }, null),
    ).rejects.toMatchObject({
      code: "budget_exhausted",
    });
    const noBudget = (await (
      await api("/api/me/usage", { headers: { cookie: user.cookie } })
    ).json()) as Record<string, unknown>;
    expect(noBudget).toMatchObject({
      spent_eur: 1.5,
      budget_eur: null,
      remaining_eur: null,
      max_live_workspaces: 3,
    });
  });

  it("creates reuse the cached price catalog instead of fetching it each time", async () => {
    await api("/api/server-types", { headers: { cookie: user.cookie } });
    await hetzner.clearRequests();
    await created(user.cookie);
    await created(user.cookie);
    const catalogFetches = (await hetzner.requests()).filter((r) => r.path === "/v1/server_types");
    expect(catalogFetches).toHaveLength(0);
  });
});
