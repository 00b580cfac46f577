/**
 * Tasks over the API (issue #15): create and its refusals, the prompt's way to the VM (bootstrap,
 * never user_data), the timeline (dedupe, cursor, SSE) and who may see what. Real stand-ins:
 * GitHub (a private repo, the App installed), Hetzner, Cloudflare.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { readyWorkspace, vmCall } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";
import {
  event,
  getTask,
  postTask,
  privateRepo,
  type StartedTask,
  sendEvents,
  sendResult,
  startTask,
} from "./support/tasks.ts";

describe("POST /api/tasks", () => {
  let user: TestUser;
  let repo: string;
  beforeAll(async () => {
    user = await newUser("task-create");
    repo = await privateRepo(user);
  });
  afterAll(() => cleanUpUser(user));

  it("refuses bad input with 422 before any workspace exists", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ repo: "not a repo", prompt: "x" }, "repo"],
      [{ repo: "https://user:pw@example.test/a/b.git", prompt: "x" }, "repo"],
      [{ repo, prompt: "" }, "prompt"],
      [{ repo, prompt: "a".repeat(100_001) }, "prompt"],
      [{ repo, prompt: "x", max_minutes: 0 }, "max_minutes"],
      [{ repo, prompt: "x", max_minutes: 1441 }, "max_minutes"],
      // Longer than a VM lives here (MAX_LIFETIME_HOURS, 12 by default).
      [{ repo, prompt: "x", max_minutes: 12 * 60 + 1 }, "max_minutes"],
      [{ repo, prompt: "x", permission_mode: "yolo" }, "permission_mode"],
      [{ repo, prompt: "x", when_done: "explode" }, "when_done"],
    ];
    for (const [body, path] of cases) {
      const err = await expectError(await postTask(user.cookie, body), 422, "validation_failed");
      expect(err.error.details?.map((d) => d.path).join(","), JSON.stringify(body).slice(0, 80)).toContain(
        path,
      );
    }
    const list = await api("/api/tasks", { headers: { cookie: user.cookie } });
    expect(((await list.json()) as { tasks: unknown[] }).tasks).toEqual([]);
  });

  it("says the GitHub App is not installed (422, with the install link) for a repo it cannot reach", async () => {
    const err = await expectError(
      await postTask(user.cookie, { repo: `${user.login}-nobody/elsewhere`, prompt: "x" }),
      422,
      "github_app_not_installed",
    );
    expect(err.error.message).toMatch(/install/i);
  });

  it("creates the task in a task-mode workspace; the prompt reaches the VM only through bootstrap", async () => {
    const prompt = `Fix the flaky test ${crypto.randomUUID()}`;
    const t = await startTask(user.cookie, { repo, prompt, max_minutes: 20, when_done: "sleep" });
    expect(t.task).toMatchObject({
      repo,
      prompt,
      status: "starting",
      branch: `berth/${t.task.id}`,
      base_branch: null,
      max_minutes: 20,
      permission_mode: "acceptEdits",
      when_done: "sleep",
      pr: null,
      turns: 0,
      messages: [],
    });
    expect(t.userData.length).toBeGreaterThan(100);
    expect(t.userData).not.toContain(prompt);
    expect(t.userData).not.toContain("Fix the flaky test");
    expect(t.bootstrap.task).toEqual({
      id: t.task.id,
      prompt,
      branch: `berth/${t.task.id}`,
      base_branch: null,
      max_minutes: 20,
      permission_mode: "acceptEdits",
      commit_and_push: true,
      last_turn: null,
      last_seq: null,
    });
    // The agent has the job: the task runs.
    const now = await getTask(user.cookie, t.task.id);
    expect(now.status).toBe("running");
    expect(now.workspace_state).toBe("ready");
    const list = (await (await api("/api/tasks", { headers: { cookie: user.cookie } })).json()) as {
      tasks: Array<{ id: string }>;
    };
    expect(list.tasks.map((x) => x.id)).toContain(t.task.id);
  });
});

describe("the timeline: GET /api/tasks/{id}/events", () => {
  let user: TestUser;
  let stranger: TestUser;
  let t: StartedTask;
  beforeAll(async () => {
    user = await newUser("task-events");
    stranger = await newUser("task-stranger");
    t = await startTask(user.cookie, { repo: await privateRepo(user), prompt: "Tidy up" });
  });
  afterAll(async () => {
    await cleanUpUser(user);
    await cleanUpUser(stranger);
  });

  const page = async (query: string) => {
    const res = await api(`/api/tasks/${t.task.id}/events?${query}`, { headers: { cookie: user.cookie } });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as {
      events: Array<{ seq: number; text: string; kind: string }>;
      next_cursor: number;
      done: boolean;
    };
  };

  it("keeps the first copy of each seq when a batch comes again, and pages by cursor", async () => {
    const first = await sendEvents(t, [
      event(1, "turn_started"),
      event(2, "message"),
      event(3, "tool_call", { tool: "Edit", input_summary: "src/a.ts" }),
    ]);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ stored: 3 });
    // The same batch again after a lost answer, with 4 and 5 added: only 4 and 5 are new.
    const again = await sendEvents(t, [
      { ...event(2, "message"), text: "a changed copy" },
      event(3, "tool_call", { tool: "Edit" }),
      event(4, "usage", { tokens: { input: 1200, output: 300 }, cost_usd: 0.0123 }),
      event(5, "message"),
    ]);
    expect(await again.json()).toEqual({ stored: 2 });

    const one = await page("cursor=0&limit=2");
    expect(one.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(one.events[1]?.text).toBe("event 2");
    expect(one).toMatchObject({ next_cursor: 2, done: false });
    const two = await page("cursor=2&limit=2");
    expect(two.events.map((e) => e.seq)).toEqual([3, 4]);
    const three = await page("cursor=4");
    expect(three.events.map((e) => e.seq)).toEqual([5]);
    const none = await page("cursor=5");
    expect(none).toEqual({ events: [], next_cursor: 5, done: false });
    // The usage event is the task's cost.
    expect(await getTask(user.cookie, t.task.id)).toMatchObject({
      tokens: { input: 1200, output: 300 },
      claude_cost_usd: 0.0123,
    });
  });

  it("refuses events that break the contract or name another task", async () => {
    await expectError(await sendEvents(t, [{ seq: 0, kind: "message" }]), 422, "validation_failed");
    const other = await vmCall(t.task.workspace_id, "task/events", t.callbackToken, {
      task_id: "tsomeoneelse",
      events: [event(9, "message")],
    });
    await expectError(other, 409, "conflict");
  });

  it("streams as server-sent events: task_event frames by seq, the task, from Last-Event-ID, then ends", async () => {
    // Finished: the stream sends what is there and ends (no 25 s wait).
    const done = await sendResult(t, { outcome: "failed", reason: "claude exited with code 1: boom" });
    expect(done.status).toBe(200);
    const res = await api(`/api/tasks/${t.task.id}/events`, {
      headers: { cookie: user.cookie, accept: "text/event-stream", "last-event-id": "3" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    const frames = text
      .split("\n\n")
      .filter((f) => f.includes("event:"))
      .map((f) => ({
        id: /^id: (.*)$/m.exec(f)?.[1] ?? null,
        event: /^event: (.*)$/m.exec(f)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? "null") as Record<string, unknown>,
      }));
    const events = frames.filter((f) => f.event === "task_event");
    expect(events.map((f) => f.id)).toEqual(["4", "5"]);
    expect(events.map((f) => f.data.seq)).toEqual([4, 5]);
    const task = frames.find((f) => f.event === "task");
    expect(task?.data).toMatchObject({
      id: t.task.id,
      status: "failed",
      reason: "claude exited with code 1: boom",
    });
    expect(task?.id).toBe("5");
    // EventSource reconnects with the last id: finished, nothing newer, so 204 stops it.
    const again = await api(`/api/tasks/${t.task.id}/events`, {
      headers: { cookie: user.cookie, accept: "text/event-stream", "last-event-id": "5" },
    });
    expect(again.status).toBe(204);
    // JSON: the finished task's last page says done.
    expect(await page("cursor=5")).toEqual({ events: [], next_cursor: 5, done: true });
  });

  it("another user's task is a 404, everywhere", async () => {
    const h = { cookie: stranger.cookie };
    for (const [method, path, body] of [
      ["GET", `/api/tasks/${t.task.id}`, undefined],
      ["GET", `/api/tasks/${t.task.id}/events`, undefined],
      ["POST", `/api/tasks/${t.task.id}/messages`, { text: "hi" }],
      ["POST", `/api/tasks/${t.task.id}/cancel`, undefined],
      ["DELETE", `/api/tasks/${t.task.id}`, undefined],
    ] as const) {
      const res = await api(path, { method, headers: h, ...(body ? { body: JSON.stringify(body) } : {}) });
      await expectError(res, 404, "not_found");
    }
    const list = (await (await api("/api/tasks", { headers: h })).json()) as { tasks: unknown[] };
    expect(list.tasks).toEqual([]);
  });

  it("another workspace's callback token opens nothing of the task", async () => {
    const otherWs = await readyWorkspace(stranger.cookie);
    for (const [action, body] of [
      ["task/events", { task_id: t.task.id, events: [event(99, "message")] }],
      [
        "task/result",
        {
          task_id: t.task.id,
          turn: 5,
          outcome: "succeeded",
          branch: t.task.branch,
          commits: 0,
          head_sha: null,
          pushed: false,
          summary: "",
        },
      ],
    ] as const) {
      await expectError(
        await vmCall(t.task.workspace_id, action, otherWs.callbackToken, body),
        401,
        "unauthorized",
      );
    }
    const messages = await api(`/api/vm/workspaces/${t.task.workspace_id}/task/messages?after=0`, {
      headers: { authorization: `Bearer ${otherWs.callbackToken}` },
    });
    await expectError(messages, 401, "unauthorized");
    expect((await getTask(user.cookie, t.task.id)).turns).toBe(1);
  });
});

describe("live: the SSE stream of a running task", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("task-live");
  });
  afterAll(() => cleanUpUser(user));

  it("sends events as they arrive and the task when it changes, and ends once the task is finished", async () => {
    const t = await startTask(user.cookie, { repo: await privateRepo(user), prompt: "Live" });
    const res = await api(`/api/tasks/${t.task.id}/events`, {
      headers: { cookie: user.cookie, accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const until = async (what: string, done: (text: string) => boolean) => {
      while (!done(seen)) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`the stream ended before ${what}: ${seen}`);
        seen += decoder.decode(value, { stream: true });
      }
    };
    await until("the task", (s) => /event: task\ndata: .*"status":"running"/.test(s));
    expect(seen).not.toContain("event: task_event");
    // Sent by the VM after the stream opened: it arrives on the open stream.
    await sendEvents(t, [event(1, "tool_call", { tool: "Edit", input_summary: "README.md" })]);
    await until("event 1", (s) => s.includes("id: 1\nevent: task_event"));
    expect(seen).toContain('"input_summary":"README.md"');
    await sendResult(t, { outcome: "succeeded", summary: "ok" });
    await until("the finished task", (s) => /event: task\ndata: .*"status":"succeeded"/.test(s));
    // Finished: the stream ends by itself.
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });
});
