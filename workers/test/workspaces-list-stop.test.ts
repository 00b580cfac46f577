import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpUser,
  created,
  type ErrorJson,
  expectError,
  expectNothingLeft,
  listAll,
  listPage,
  newUser,
  type TestUser,
  type WorkspaceJson,
  waitForTerminal,
} from "./support/api-cases.ts";
import { readyWorkspace, recordsOf, serversOf, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

const stop = (cookie: string, id: string) =>
  api(`/api/workspaces/${id}/stop`, { method: "POST", headers: { cookie } });
const remove = (cookie: string, id: string) =>
  api(`/api/workspaces/${id}`, { method: "DELETE", headers: { cookie } });

describe("listing", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("list");
  });
  afterAll(() => cleanUpUser(user));

  it("pages newest first without duplicates, and hides ended workspaces unless asked", async () => {
    const made: WorkspaceJson[] = [];
    for (const name of ["one", "two", "three"]) made.push(await created(user.cookie, { name }));
    const first = await listPage(user.cookie, "limit=2");
    expect(first.workspaces.map((w) => w.name)).toEqual(["three", "two"]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await listPage(
      user.cookie,
      `limit=2&cursor=${encodeURIComponent(first.next_cursor ?? "")}`,
    );
    expect(second.workspaces.map((w) => w.name)).toEqual(["one"]);
    expect(second.next_cursor).toBeNull();
    const all = [...first.workspaces, ...second.workspaces].map((w) => w.id);
    expect(new Set(all).size).toBe(3);
    expect(all).toEqual(made.map((w) => w.id).reverse());

    // Stop one (it stays, as ended), delete another (it goes entirely).
    const [one, two, three] = made as [WorkspaceJson, WorkspaceJson, WorkspaceJson];
    for (const w of made) await waitForState(w.id, "booting");
    expect((await stop(user.cookie, one.id)).status).toBe(202);
    expect((await remove(user.cookie, two.id)).status).toBe(202);
    await waitForState(one.id, "deleted");
    await waitForState(two.id, "deleted");

    expect((await listAll(user.cookie)).map((w) => w.id)).toEqual([three.id]);
    const ended = await listAll(user.cookie, "include_ended=true&limit=1");
    expect(ended.map((w) => w.id)).toEqual([three.id, one.id]);
    expect(ended[1]).toMatchObject({ state: "deleted", ended_at: expect.any(String) });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    ["cursor=123_ABC", "cursor"],
    ["include_ended=yes", "include_ended"],
  ])("?%s is refused with 422", async (query, field) => {
    const body = await expectError(
      await api(`/api/workspaces?${query}`, { headers: { cookie: user.cookie } }),
      422,
      "validation_failed",
    );
    expect(body.error.details?.map((d) => d.path)).toContain(field);
  });
});

describe("stop and delete", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("stop");
  });
  afterAll(() => cleanUpUser(user));

  it("stop answers 202 stopping, is safe to repeat, and ends with no server and no DNS records", async () => {
    const ws = await created(user.cookie);
    await waitForState(ws.id, "booting");
    expect(await serversOf(ws.id)).toHaveLength(1);
    expect(await recordsOf(ws.id)).toHaveLength(2);
    const res = await stop(user.cookie, ws.id);
    expect(res.status).toBe(202);
    expect(((await res.json()) as WorkspaceJson).state).toBe("stopping");
    const again = await stop(user.cookie, ws.id);
    expect(again.status).toBe(202);
    expect(["stopping", "deleted"]).toContain(((await again.json()) as WorkspaceJson).state);
    await waitForState(ws.id, "deleted");
    await expectNothingLeft(ws.id);
    const late = await stop(user.cookie, ws.id);
    expect(late.status).toBe(202);
    expect(((await late.json()) as WorkspaceJson).state).toBe("deleted");
    const detail = (await (
      await api(`/api/workspaces/${ws.id}`, { headers: { cookie: user.cookie } })
    ).json()) as WorkspaceJson | ErrorJson;
    expect(detail).toMatchObject({ id: ws.id, state: "deleted" });
  });

  it("delete of a ready workspace answers 202 and leaves nothing behind; deleting again is fine", async () => {
    const { id } = await readyWorkspace(user.cookie);
    const res = await remove(user.cookie, id);
    expect(res.status).toBe(202);
    expect(((await res.json()) as WorkspaceJson).state).toBe("stopping");
    await waitForState(id, "deleted");
    await expectNothingLeft(id);
    const again = await remove(user.cookie, id);
    expect(again.status).toBe(202);
    expect(((await again.json()) as WorkspaceJson).state).toBe("deleted");
    expect((await listAll(user.cookie, "include_ended=true")).map((w) => w.id)).not.toContain(id);
  });

  it("stopping a workspace while its server is still being created leaves no server behind", async () => {
    const ws = await created(user.cookie);
    expect((await stop(user.cookie, ws.id)).status).toBe(202);
    await waitForTerminal(ws.id);
    // Give an in-flight create (started by the POST) time to land, then look.
    await new Promise((r) => setTimeout(r, 1500));
    await expectNothingLeft(ws.id);
  });
});
