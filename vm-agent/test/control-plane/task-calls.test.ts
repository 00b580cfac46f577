/** The client's task calls: paths, methods, checks on both sides. */
import { afterEach, expect, test } from "bun:test";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";

const stops: Array<() => unknown> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

function server(answer: (req: Request) => Response) {
  const seen: Array<{ method: string; url: string; auth: string | null; body: string }> = [];
  const s = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const u = new URL(req.url);
      seen.push({
        method: req.method,
        url: u.pathname + u.search,
        auth: req.headers.get("authorization"),
        body: await req.text(),
      });
      return answer(req);
    },
  });
  stops.push(() => s.stop(true));
  const client = createControlPlaneClient({
    baseUrl: `http://127.0.0.1:${s.port}`,
    workspaceId: "ws1",
    retry: { attempts: 2, baseMs: 1, maxMs: 2 },
  });
  client.setCallbackToken("cb_0123456789abcdefghijklmnop");
  return { seen, client };
}

test("follow-ups are a GET with the cursor in the query and no body", async () => {
  const { seen, client } = server(() =>
    Response.json({ task_id: "t1", messages: [{ seq: 3, text: "more", at: "2026-11-30T15:00:00Z" }] }),
  );
  const r = await client.taskMessages(2);
  expect(r).toMatchObject({ ok: true, data: { task_id: "t1", messages: [{ seq: 3, text: "more" }] } });
  expect(seen).toEqual([
    {
      method: "GET",
      url: "/api/vm/workspaces/ws1/task/messages?after=2",
      auth: "Bearer cb_0123456789abcdefghijklmnop",
      body: "",
    },
  ]);
});

test("a malformed messages answer is an error, not a crash", async () => {
  const { client } = server(() => Response.json({ task_id: "t1", messages: [{ seq: 0, text: "" }] }));
  const r = await client.taskMessages(0);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error).toContain("unexpected response");
});

test("events and results are POSTed, and a body the protocol refuses never leaves", async () => {
  const { seen, client } = server(() => Response.json({ ok: true }));
  const at = "2026-11-30T15:00:00.000Z";
  expect(
    (
      await client.taskEvents({
        task_id: "t1",
        events: [{ seq: 1, at, turn: 0, kind: "message", text: "hi" }],
      })
    ).ok,
  ).toBe(true);
  const result = {
    task_id: "t1",
    turn: 0,
    outcome: "succeeded" as const,
    branch: "berth/t1",
    commits: 0,
    head_sha: null,
    pushed: false,
    summary: "",
  };
  expect((await client.taskResult(result)).ok).toBe(true);
  expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
    "POST /api/vm/workspaces/ws1/task/events",
    "POST /api/vm/workspaces/ws1/task/result",
  ]);
  const bad = await client.taskEvents({ task_id: "t1", events: [] });
  expect(bad).toMatchObject({ ok: false, attempts: 0 });
  expect(seen).toHaveLength(2);
});
