import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { readyWorkspace, vmCall } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

interface PortJson {
  port: number;
  process: string | null;
  first_seen_at: string | null;
  visibility: "private" | "public";
  url: string;
}

const beat = (ports: Array<{ port: number; process: string | null }>) => ({
  last_human_input_at: null,
  claude: { state: "idle" },
  open_terminals: 1,
  idle: { idle_seconds: 0, warning: false, shutdown_at: null },
  ports: ports.map((p) => ({ ...p, first_seen_at: new Date().toISOString() })),
});

async function heartbeat(id: string, token: string, ports: Array<{ port: number; process: string | null }>) {
  const res = await vmCall(id, "heartbeat", token, beat(ports));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as { state: string; public_ports: number[] };
}

async function ports(cookie: string, id: string): Promise<PortJson[]> {
  const res = await api(`/api/workspaces/${id}/ports`, { headers: { cookie } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { ports: PortJson[] }).ports;
}

const setVisibility = (cookie: string, id: string, port: string | number, body: unknown) =>
  api(`/api/workspaces/${id}/ports/${port}`, {
    method: "PUT",
    headers: { cookie },
    body: JSON.stringify(body),
  });

async function portRows(id: string) {
  const { results } = await env.DB.prepare(
    "select * from workspace_ports where workspace_id = ? order by port",
  )
    .bind(id)
    .all();
  return results;
}

describe("forwarded ports", () => {
  let alice: TestUser;
  let bob: TestUser;
  let ws: { id: string; callbackToken: string };
  beforeAll(async () => {
    alice = await newUser("port-a");
    bob = await newUser("port-b");
    ws = await readyWorkspace(alice.cookie);
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("ports a heartbeat reports are listed with their URLs, private by default", async () => {
    const reply = await heartbeat(ws.id, ws.callbackToken, [
      { port: 3000, process: "node" },
      { port: 8000, process: null },
    ]);
    expect(reply.public_ports).toEqual([]);
    const listed = await ports(alice.cookie, ws.id);
    expect(listed.map((p) => [p.port, p.process, p.visibility])).toEqual([
      [3000, "node", "private"],
      [8000, null, "private"],
    ]);
    expect(listed[0]?.url).toMatch(new RegExp(`^https?://3000\\.${ws.id}\\.`));
  });

  it("made public: the next heartbeat reply names it, and the timeline says so", async () => {
    const res = await setVisibility(alice.cookie, ws.id, 3000, { visibility: "public" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as PortJson).visibility).toBe("public");
    const reply = await heartbeat(ws.id, ws.callbackToken, [{ port: 3000, process: "node" }]);
    expect(reply.public_ports).toEqual([3000]);
    const events = (await (
      await api(`/api/workspaces/${ws.id}/events`, { headers: { cookie: alice.cookie } })
    ).json()) as {
      events: Array<{ type: string; message: string }>;
    };
    expect(events.events.filter((e) => e.type === "port").map((e) => e.message)).toEqual([
      "port 3000 is now public: anyone with its URL can open it",
    ]);
  });

  it("a port that stops listening drops off the list (and keeps its visibility if it returns)", async () => {
    expect((await ports(alice.cookie, ws.id)).map((p) => p.port)).toEqual([3000]);
    await heartbeat(ws.id, ws.callbackToken, []);
    expect(await ports(alice.cookie, ws.id)).toEqual([]);
    await heartbeat(ws.id, ws.callbackToken, [{ port: 3000, process: "python3" }]);
    expect((await ports(alice.cookie, ws.id)).map((p) => [p.port, p.process, p.visibility])).toEqual([
      [3000, "python3", "public"],
    ]);
  });

  it("made private again: the heartbeat reply no longer names it", async () => {
    expect((await setVisibility(alice.cookie, ws.id, 3000, { visibility: "private" })).status).toBe(200);
    expect(
      (await heartbeat(ws.id, ws.callbackToken, [{ port: 3000, process: "python3" }])).public_ports,
    ).toEqual([]);
  });

  it.each([
    ["0", { visibility: "public" }],
    ["65536", { visibility: "public" }],
    ["-1", { visibility: "public" }],
    ["http", { visibility: "public" }],
    ["3000", { visibility: "open" }],
    ["3000", {}],
    ["3000", { visibility: "public", extra: true }],
  ])("port %s with %j -> 422, nothing changed", async (port, body) => {
    const before = await portRows(ws.id);
    await expectError(await setVisibility(alice.cookie, ws.id, port, body), 422, "validation_failed");
    expect(await portRows(ws.id)).toEqual(before);
  });

  it("another person's workspace is a 404 for listing and for changing, and nothing changes", async () => {
    const before = await portRows(ws.id);
    await expectError(
      await api(`/api/workspaces/${ws.id}/ports`, { headers: { cookie: bob.cookie } }),
      404,
      "not_found",
    );
    await expectError(
      await setVisibility(bob.cookie, ws.id, 3000, { visibility: "public" }),
      404,
      "not_found",
    );
    await expectError(await setVisibility("", ws.id, 3000, { visibility: "public" }), 401, "unauthorized");
    expect(await portRows(ws.id)).toEqual(before);
  });

  it("a heartbeat with a port outside 1-65535 is refused and changes nothing", async () => {
    const before = await portRows(ws.id);
    const res = await vmCall(ws.id, "heartbeat", ws.callbackToken, beat([{ port: 70000, process: null }]));
    await expectError(res, 422, "validation_failed");
    expect(await portRows(ws.id)).toEqual(before);
  });
});
