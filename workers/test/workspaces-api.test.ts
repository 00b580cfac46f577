import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpUser,
  created,
  expectError,
  listAll,
  newUser,
  ownerRows,
  ownerServers,
  type TestUser,
  type WorkspaceJson,
} from "./support/api-cases.ts";
import { load, readyWorkspace, recordsOf, serversOf, waitForState } from "./support/lifecycle.ts";
import { api, createApiKey } from "./support/session.ts";

const stop = (cookie: string, id: string) =>
  api(`/api/workspaces/${id}/stop`, { method: "POST", headers: { cookie } });

/** Every route that takes a workspace id, as a request from someone holding these headers. */
const idRoutes: Array<[string, (id: string, headers: Record<string, string>) => Promise<Response>]> = [
  ["GET /:id", (id, headers) => api(`/api/workspaces/${id}`, { headers })],
  ["POST /:id/stop", (id, headers) => api(`/api/workspaces/${id}/stop`, { method: "POST", headers })],
  ["DELETE /:id", (id, headers) => api(`/api/workspaces/${id}`, { method: "DELETE", headers })],
  ["GET /:id/events", (id, headers) => api(`/api/workspaces/${id}/events`, { headers })],
  [
    "POST /:id/terminal-token",
    (id, headers) => api(`/api/workspaces/${id}/terminal-token`, { method: "POST", headers }),
  ],
];

describe("owner scoping: another user's workspace does not exist for you", () => {
  let alice: TestUser;
  let mallory: TestUser;
  let aliceWs: string;

  beforeAll(async () => {
    alice = await newUser("owner-a");
    mallory = await newUser("owner-m");
    // Ready, so that every route (even terminal-token) would succeed for the owner.
    aliceWs = (await readyWorkspace(alice.cookie)).id;
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(mallory);
  });

  it.each(idRoutes)("%s answers 404 not_found, exactly as for an id that does not exist", async (_, call) => {
    const before = await load(aliceWs);
    const serversBefore = await serversOf(aliceWs);
    const viaCookie = await expectError(await call(aliceWs, { cookie: mallory.cookie }), 404, "not_found");
    const missing = await expectError(
      await call("wnosuchworkspace", { cookie: mallory.cookie }),
      404,
      "not_found",
    );
    expect(viaCookie).toEqual(missing);
    const key = await createApiKey(mallory.cookie, "scoping");
    await expectError(await call(aliceWs, { authorization: `Bearer ${key}` }), 404, "not_found");

    const after = await load(aliceWs);
    expect(after.state).toBe("ready");
    expect(after.hidden).toBe(false);
    expect(after.stateChangedAt).toEqual(before.stateChangedAt);
    // The same server (its status may move from initializing to running meanwhile: Hetzner's boot).
    const ids = (servers: Array<{ id: number }>) => servers.map((server) => server.id);
    expect(ids(await serversOf(aliceWs))).toEqual(ids(serversBefore));
    expect(await recordsOf(aliceWs)).toHaveLength(2);
  });

  it("the owner still reaches it on every read route", async () => {
    expect((await api(`/api/workspaces/${aliceWs}`, { headers: { cookie: alice.cookie } })).status).toBe(200);
    expect(
      (await api(`/api/workspaces/${aliceWs}/events`, { headers: { cookie: alice.cookie } })).status,
    ).toBe(200);
  });

  it("GET /api/workspaces never lists another user's workspace", async () => {
    expect((await listAll(alice.cookie, "include_ended=true")).map((w) => w.id)).toContain(aliceWs);
    for (const query of ["", "include_ended=true", "limit=100&include_ended=true"]) {
      const ids = (await listAll(mallory.cookie, query)).map((w) => w.id);
      expect(ids).not.toContain(aliceWs);
      expect(ids).toHaveLength(0);
    }
  });
});

describe("Idempotency-Key on create", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    alice = await newUser("idem-a");
    bob = await newUser("idem-b");
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("the same key twice returns the same workspace (201, then 200) and makes one server", async () => {
    const key = `retry-${crypto.randomUUID()}`;
    const first = await api("/api/workspaces", {
      method: "POST",
      headers: { cookie: alice.cookie, "idempotency-key": key },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    expect(first.status).toBe(201);
    const a = (await first.json()) as WorkspaceJson;
    await waitForState(a.id, "booting");
    const second = await api("/api/workspaces", {
      method: "POST",
      headers: { cookie: alice.cookie, "idempotency-key": key },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    expect(second.status).toBe(200);
    expect(((await second.json()) as WorkspaceJson).id).toBe(a.id);
    expect(await ownerRows(alice.id)).toHaveLength(1);
    expect(await serversOf(a.id)).toHaveLength(1);
    expect(await ownerServers(alice.id)).toHaveLength(1);

    const other = await created(alice.cookie, {}, { "idempotency-key": `${key}-2` });
    expect(other.id).not.toBe(a.id);
    // The same key from another user is that user's own, separate workspace.
    const bobs = await created(bob.cookie, {}, { "idempotency-key": key });
    expect(bobs.id).not.toBe(a.id);
    expect((await ownerRows(bob.id)).map((r) => r.id)).toEqual([bobs.id]);
    await waitForState(bobs.id, "booting");
    expect(await serversOf(bobs.id)).toHaveLength(1);
    expect(await serversOf(a.id)).toHaveLength(1);
  });

  it("concurrent retries with one key make one workspace and one server", async () => {
    await cleanUpUser(alice);
    const rowsBefore = (await ownerRows(alice.id)).length;
    const key = `burst-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        api("/api/workspaces", {
          method: "POST",
          headers: { cookie: alice.cookie, "idempotency-key": key },
          body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
        }),
      ),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as WorkspaceJson[];
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(bodies.map((b) => b.id));
    expect(ids.size).toBe(1);
    expect(await ownerRows(alice.id)).toHaveLength(rowsBefore + 1);
    const [id] = [...ids] as [string];
    await waitForState(id, "booting");
    expect(await serversOf(id)).toHaveLength(1);
  });

  it.each([
    ["with spaces", "my retry key"],
    ["of 200 characters", "k".repeat(200)],
  ])("a key %s is refused with 422 and creates nothing", async (_, key) => {
    const rowsBefore = (await ownerRows(bob.id)).length;
    const serversBefore = (await ownerServers(bob.id)).length;
    const res = await api("/api/workspaces", {
      method: "POST",
      headers: { cookie: bob.cookie, "idempotency-key": key },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    const body = await expectError(res, 422, "validation_failed");
    expect(JSON.stringify(body.error.details)).toContain("idempotency-key");
    expect(await ownerRows(bob.id)).toHaveLength(rowsBefore);
    expect(await ownerServers(bob.id)).toHaveLength(serversBefore);
  });
});

describe("the per-user limit on live workspaces (3 in tests)", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("limit");
  });
  afterAll(() => cleanUpUser(user));

  it("the 4th live workspace is refused with 409 limit_reached; after one is deleted, a new one fits", async () => {
    const key = `limit-${crypto.randomUUID()}`;
    const three = [
      await created(user.cookie),
      await created(user.cookie),
      await created(user.cookie, {}, { "idempotency-key": key }),
    ];
    const refused = await api("/api/workspaces", {
      method: "POST",
      headers: { cookie: user.cookie },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    const body = await expectError(refused, 409, "limit_reached");
    expect(body.error.message).toContain("3");
    expect(await ownerRows(user.id)).toHaveLength(3);
    // A retry of a create that already succeeded is not a new workspace: it still gets its answer.
    const retry = await api("/api/workspaces", {
      method: "POST",
      headers: { cookie: user.cookie, "idempotency-key": key },
      body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
    });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as WorkspaceJson).id).toBe(three[2]?.id);

    const [first] = three as [WorkspaceJson];
    await waitForState(first.id, "booting");
    expect((await stop(user.cookie, first.id)).status).toBe(202);
    await waitForState(first.id, "deleted");
    const fourth = await created(user.cookie);
    expect(three.map((w) => w.id)).not.toContain(fourth.id);
    await expectError(
      await api("/api/workspaces", {
        method: "POST",
        headers: { cookie: user.cookie },
        body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
      }),
      409,
      "limit_reached",
    );
  });

  // BUG (workers/src/workspaces/service.ts, createWorkspace): the live count and the insert are
  // separate statements with a Hetzner price lookup in between, so parallel creates all pass the
  // check. Remove `.fails` once the check and the insert are one atomic statement.
  it("concurrent creates cannot get past the limit", async () => {
    await cleanUpUser(user);
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        api("/api/workspaces", {
          method: "POST",
          headers: { cookie: user.cookie },
          body: JSON.stringify({ repo_url: "https://github.com/octocat/Hello-World.git" }),
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    const live = (await ownerRows(user.id)).filter((r) => r.state !== "deleted" && r.state !== "failed");
    expect(live.length, `statuses ${statuses.join(",")}`).toBeLessThanOrEqual(3);
    expect(statuses).toEqual([201, 201, 201, 409, 409]);
  });
});
