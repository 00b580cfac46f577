import { env } from "cloudflare:workers";
import { maxSecretsPerUser } from "@berth/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { bootstrapTokenOf, createWorkspace, hetzner, vmCall, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

interface SecretJson {
  name: string;
  repositories: string[] | null;
  created_at: string;
  updated_at: string;
}

const putSecret = (cookie: string, name: string, body: unknown) =>
  api(`/api/secrets/${name}`, {
    method: "PUT",
    headers: { cookie },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function listSecrets(cookie: string): Promise<{ text: string; secrets: SecretJson[] }> {
  const res = await api("/api/secrets", { headers: { cookie } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { text, secrets: (JSON.parse(text) as { secrets: SecretJson[] }).secrets };
}

async function rawRows(userId: string) {
  const { results } = await env.DB.prepare("select * from user_secrets where user_id = ?")
    .bind(userId)
    .all<Record<string, unknown>>();
  return results;
}

/** Creates a workspace on `repo`, plays its VM's bootstrap, and returns the secrets handed over. */
async function bootstrapOf(cookie: string, repo: string) {
  const { res, body } = await createWorkspace(cookie, { repo_url: repo });
  expect(res.status).toBe(201);
  const ws = await waitForState(body.id, "booting");
  const boot = await vmCall(body.id, "bootstrap", await bootstrapTokenOf(ws.serverId ?? 0));
  expect(boot.status).toBe(200);
  const json = (await boot.json()) as { user_secrets: Record<string, string>; callback_token: string };
  return { id: body.id, serverId: ws.serverId ?? 0, ...json };
}

async function stop(cookie: string, id: string) {
  expect((await api(`/api/workspaces/${id}/stop`, { method: "POST", headers: { cookie } })).status).toBe(202);
  await waitForState(id, "deleted");
}

const value = "s3cr3t-Value-Qx7Zp9Lm4Nw2";

describe("user secrets", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await newUser("sec-a");
    bob = await newUser("sec-b");
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("PUT creates (201) and replaces (200); GET lists names and repositories, never values", async () => {
    const created = await putSecret(alice.cookie, "DATABASE_URL", { value });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.text()).not.toContain(value);
    const replaced = await putSecret(alice.cookie, "DATABASE_URL", {
      value: `${value}-2`,
      repositories: ["octocat/Hello-World"],
    });
    expect(replaced.status).toBe(200);
    const { text, secrets } = await listSecrets(alice.cookie);
    expect(text).not.toContain(value);
    expect(secrets).toEqual([
      {
        name: "DATABASE_URL",
        repositories: ["octocat/Hello-World"],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ]);
    expect((await listSecrets(bob.cookie)).secrets).toEqual([]);
  });

  it("is stored encrypted: no 8-character piece of the value in D1", async () => {
    expect((await putSecret(alice.cookie, "API_TOKEN", { value })).status).toBe(201);
    const dump = JSON.stringify(await rawRows(alice.id));
    expect(dump).toContain("API_TOKEN");
    for (let i = 0; i + 8 <= value.length; i++) expect(dump).not.toContain(value.slice(i, i + 8));
  });

  it.each([
    ["starting with a digit", "1ABC"],
    ["with a dash", "MY-VAR"],
    ["with a dot", "a.b"],
    ["reserved BERTH_ prefix", "BERTH_AGENT_SOCKET"],
    ["reserved GITHUB_ prefix", "GITHUB_TOKEN"],
    ["reserved name set by Berth", "ANTHROPIC_API_KEY"],
    ["that JSON would drop on the way to the VM", "__proto__"],
    ["too long", `A${"B".repeat(128)}`],
  ])("a name %s -> 422, nothing stored", async (_, name) => {
    const before = await rawRows(alice.id);
    await expectError(
      await putSecret(alice.cookie, encodeURIComponent(name), { value }),
      422,
      "validation_failed",
    );
    expect(await rawRows(alice.id)).toEqual(before);
  });

  it.each([
    ["over 48 KB", { value: "x".repeat(48 * 1024 + 1) }],
    ["48 KB of multi-byte characters over the byte limit", { value: "é".repeat(24 * 1024 + 1) }],
    ["missing", {}],
    ["not a string", { value: 42 }],
    ["with an unknown field", { value, extra: 1 }],
    ["with an empty repository list", { value, repositories: [] }],
    ["with a repository with spaces", { value, repositories: ["a b"] }],
  ])("a body %s -> 422, nothing changed", async (_, body) => {
    const before = await rawRows(alice.id);
    await expectError(await putSecret(alice.cookie, "DATABASE_URL", body), 422, "validation_failed");
    expect(await rawRows(alice.id)).toEqual(before);
  });

  it("exactly 48 KB is accepted", async () => {
    expect((await putSecret(bob.cookie, "BIG", { value: "y".repeat(48 * 1024) })).status).toBe(201);
    expect(
      (await api("/api/secrets/BIG", { method: "DELETE", headers: { cookie: bob.cookie } })).status,
    ).toBe(204);
  });

  it(`the ${maxSecretsPerUser + 1}st secret -> 409 limit_reached; replacing one still works`, async () => {
    const carol = await newUser("sec-c");
    const now = Date.now();
    // Fill up to the limit directly (100 requests would only slow the test down).
    const insert = env.DB.prepare(
      "insert into user_secrets (user_id, name, value_ciphertext, repositories, created_at, updated_at) values (?, ?, 'v1.x.y', null, ?, ?)",
    );
    await env.DB.batch(
      Array.from({ length: maxSecretsPerUser }, (_, i) => insert.bind(carol.id, `S${i}`, now, now)),
    );
    await expectError(await putSecret(carol.cookie, "ONE_TOO_MANY", { value }), 409, "limit_reached");
    expect((await rawRows(carol.id)).length).toBe(maxSecretsPerUser);
    expect((await putSecret(carol.cookie, "S7", { value })).status).toBe(200);
    expect(
      (await api("/api/secrets/S8", { method: "DELETE", headers: { cookie: carol.cookie } })).status,
    ).toBe(204);
    expect((await putSecret(carol.cookie, "ONE_MORE", { value })).status).toBe(201);
    await cleanUpUser(carol);
  });

  it("DELETE: 204, then 404; another person's name is a 404 for them; unauthenticated is 401", async () => {
    expect((await putSecret(bob.cookie, "BOBS", { value })).status).toBe(201);
    await expectError(
      await api("/api/secrets/BOBS", { method: "DELETE", headers: { cookie: alice.cookie } }),
      404,
      "not_found",
    );
    await expectError(await api("/api/secrets/BOBS", { method: "DELETE" }), 401, "unauthorized");
    await expectError(await putSecret("", "BOBS", { value: "x" }), 401, "unauthorized");
    expect((await listSecrets(bob.cookie)).secrets.map((s) => s.name)).toEqual(["BOBS"]);
    expect(
      (await api("/api/secrets/BOBS", { method: "DELETE", headers: { cookie: bob.cookie } })).status,
    ).toBe(204);
    await expectError(
      await api("/api/secrets/BOBS", { method: "DELETE", headers: { cookie: bob.cookie } }),
      404,
      "not_found",
    );
  });

  it("bootstrap hands over only the secrets for the workspace's repository; never in user_data or Hetzner's records", async () => {
    const repo = "https://github.com/octocat/Hello-World.git";
    expect(
      (await putSecret(alice.cookie, "OTHER_REPO", { value: "other-Zk4", repositories: ["acme/other"] }))
        .status,
    ).toBe(201);
    const boot = await bootstrapOf(alice.cookie, repo);
    expect(boot.user_secrets).toEqual({ DATABASE_URL: `${value}-2`, API_TOKEN: value });
    const state = JSON.stringify(await hetzner.state());
    expect(state).toContain("#cloud-config");
    expect(state).not.toContain(value);
    expect(state).not.toContain("DATABASE_URL");
    await stop(alice.cookie, boot.id);
  });

  it("a workspace started before a secret changed says so; one started after does not", async () => {
    const repo = "https://github.com/octocat/Hello-World.git";
    const first = await bootstrapOf(alice.cookie, repo);
    const detail = async (id: string) =>
      (await (await api(`/api/workspaces/${id}`, { headers: { cookie: alice.cookie } })).json()) as {
        secrets_changed_since_start: boolean;
      };
    expect((await detail(first.id)).secrets_changed_since_start).toBe(false);
    expect((await putSecret(alice.cookie, "API_TOKEN", { value: "rotated-Pw8" })).status).toBe(200);
    expect((await detail(first.id)).secrets_changed_since_start).toBe(true);
    await stop(alice.cookie, first.id);
    const second = await bootstrapOf(alice.cookie, repo);
    expect(second.user_secrets.API_TOKEN).toBe("rotated-Pw8");
    expect((await detail(second.id)).secrets_changed_since_start).toBe(false);
    await stop(alice.cookie, second.id);
  });
});
