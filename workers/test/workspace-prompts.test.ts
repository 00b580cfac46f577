/** POST /api/workspaces/{id}/prompts: a headless turn beside the person's terminal (issue #15, point 4). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateWorkspace } from "../src/workspaces/store.ts";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { createWorkspace, depsAt, readyWorkspace, vmCall, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";

interface TaskJson {
  id: string;
  kind: string;
  workspace_id: string;
  branch: string;
  status: string;
  reason: string | null;
  pr: unknown;
  summary: string;
  turns: number;
  workspace_state: string;
}

const beat = {
  last_human_input_at: null,
  claude: { state: "idle" },
  open_terminals: 1,
  idle: { idle_seconds: 0, warning: false, shutdown_at: null },
  git: { branch: "feature/login", ahead: 2, pushed: false },
};

async function heartbeat(ws: { id: string; callbackToken: string }) {
  const res = await vmCall(ws.id, "heartbeat", ws.callbackToken, beat);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as { state: string; prompt_task?: Record<string, unknown> | null };
}

const sendPrompt = (cookie: string, id: string, body: unknown) =>
  api(`/api/workspaces/${id}/prompts`, { method: "POST", headers: { cookie }, body: JSON.stringify(body) });

async function getTask(cookie: string, id: string): Promise<TaskJson> {
  const res = await api(`/api/tasks/${id}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as TaskJson;
}

const result = (taskId: string, extra: Record<string, unknown> = {}) => ({
  task_id: taskId,
  turn: 0,
  outcome: "succeeded",
  branch: "feature/login",
  commits: 2,
  head_sha: "a".repeat(40),
  pushed: true,
  summary: "Renamed the helper.",
  ...extra,
});

describe("prompts to an interactive workspace", () => {
  let alice: TestUser;
  let bob: TestUser;
  let ws: { id: string; callbackToken: string };
  beforeAll(async () => {
    alice = await newUser("prompt-a");
    bob = await newUser("prompt-b");
    ws = await readyWorkspace(alice.cookie);
    await heartbeat(ws);
  });
  afterAll(async () => {
    await cleanUpUser(alice);
    await cleanUpUser(bob);
  });

  it("runs one headless turn on the person's branch: no PR, the workspace stays ready", async () => {
    await expectError(await sendPrompt(alice.cookie, ws.id, { text: "   " }), 422, "validation_failed");
    await expectError(await sendPrompt(bob.cookie, ws.id, { text: "hi" }), 404, "not_found");

    const res = await sendPrompt(alice.cookie, ws.id, { text: "Rename the helper" });
    expect(res.status).toBe(202);
    const task = (await res.json()) as TaskJson;
    expect(task).toMatchObject({
      kind: "prompt",
      workspace_id: ws.id,
      branch: "feature/login",
      status: "starting",
      pr: null,
      workspace_state: "ready",
    });
    const again = await sendPrompt(alice.cookie, ws.id, { text: "And another" });
    const conflict = await expectError(again, 409, "conflict");
    expect(conflict.error.message).toContain(task.id);

    // The agent hears of it in the heartbeat answer, as a prompt: no commit, no push.
    const answer = await heartbeat(ws);
    expect(answer.prompt_task).toEqual({
      id: task.id,
      prompt: "Rename the helper",
      branch: "feature/login",
      base_branch: null,
      max_minutes: 30,
      permission_mode: "acceptEdits",
      commit_and_push: false,
      last_turn: null,
      mode: "prompt",
    });
    const events = await vmCall(ws.id, "task/events", ws.callbackToken, {
      task_id: task.id,
      events: [
        { seq: 1, at: new Date().toISOString(), turn: 0, kind: "turn_started", text: "Rename the helper" },
      ],
    });
    expect(events.status).toBe(200);
    expect((await getTask(alice.cookie, task.id)).status).toBe("running");
    // Until its result, every answer names it (a lost answer or a restarted agent loses nothing).
    expect((await heartbeat(ws)).prompt_task?.id).toBe(task.id);

    const done = await vmCall(ws.id, "task/result", ws.callbackToken, result(task.id));
    expect(done.status).toBe(200);
    const finished = await getTask(alice.cookie, task.id);
    expect(finished).toMatchObject({
      status: "succeeded",
      pr: null,
      summary: "Renamed the helper.",
      turns: 1,
      workspace_state: "ready",
    });
    expect((await heartbeat(ws)).prompt_task).toBeNull();
    const wsNow = await api(`/api/workspaces/${ws.id}`, { headers: { cookie: alice.cookie } });
    expect(((await wsNow.json()) as { state: string }).state).toBe("ready");

    // A prompt takes no follow-ups; the next prompt is a new one.
    const followUp = await api(`/api/tasks/${task.id}/messages`, {
      method: "POST",
      headers: { cookie: alice.cookie },
      body: JSON.stringify({ text: "more" }),
    });
    await expectError(followUp, 409, "conflict");
    const next = await sendPrompt(alice.cookie, ws.id, { text: "Now the tests" });
    expect(next.status).toBe(202);
    const second = (await next.json()) as TaskJson;
    expect((await heartbeat(ws)).prompt_task?.id).toBe(second.id);

    // Canceled: the answer stops naming it (the agent stops the turn); the workspace stays.
    const cancel = await api(`/api/tasks/${second.id}/cancel`, {
      method: "POST",
      headers: { cookie: alice.cookie },
    });
    expect(cancel.status).toBe(202);
    expect(((await cancel.json()) as TaskJson).status).toBe("canceled");
    expect((await heartbeat(ws)).prompt_task).toBeNull();
    expect((await getTask(alice.cookie, second.id)).workspace_state).toBe("ready");

    // Both are in the task list.
    const list = await api("/api/tasks", { headers: { cookie: alice.cookie } });
    const ids = ((await list.json()) as { tasks: TaskJson[] }).tasks.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining([task.id, second.id]));
  });

  it("a prompt whose VM went away (a sleep and wake) failed, and frees the workspace for the next", async () => {
    const mine = await readyWorkspace(alice.cookie);
    const res = await sendPrompt(alice.cookie, mine.id, { text: "Long job" });
    expect(res.status).toBe(202);
    const lost = (await res.json()) as TaskJson;
    // Woken on a new VM (its server created after the prompt): nothing will report that turn.
    await updateWorkspace(depsAt().db, mine.id, { serverCreatedAt: new Date(Date.now() + 60_000) });
    expect(await getTask(alice.cookie, lost.id)).toMatchObject({
      status: "failed",
      reason: "the workspace slept before the prompt finished",
    });
    // The new VM is not told to run it again, and a new prompt may go.
    expect((await heartbeat(mine)).prompt_task).toBeNull();
    expect((await sendPrompt(alice.cookie, mine.id, { text: "Again" })).status).toBe(202);
  });

  it("needs a ready workspace", async () => {
    const { body } = await createWorkspace(bob.cookie);
    await waitForState(body.id, "booting");
    const res = await sendPrompt(bob.cookie, body.id, { text: "hi" });
    const err = await expectError(res, 409, "conflict");
    expect(err.error.message).toContain("booting");
  });
});
