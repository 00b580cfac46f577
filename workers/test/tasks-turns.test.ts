/**
 * The end of a task's turns (issue #15): the pull request (once, with the summary), failures, the
 * workspace sleeping or deleted afterwards, and follow-ups that wake it. Real stand-ins: GitHub
 * (a private repo with the App installed, its git and pull requests), Hetzner, Cloudflare, R2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUpUser, expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { depsAt, load, serversOf, sweep, vmCall, waitFor, waitForState } from "./support/lifecycle.ts";
import { api } from "./support/session.ts";
import { bootstrapWake, randomBytes, uploadSnapshot } from "./support/snapshots.ts";
import {
  event,
  getTask,
  githubApi,
  privateRepo,
  pushCommit,
  sendEvents,
  sendResult,
  startTask,
  waitForTask,
} from "./support/tasks.ts";

interface Pull {
  number: number;
  title: string;
  body: string;
  head: { ref: string };
  base: { ref: string };
  html_url: string;
}

const post = (cookie: string, path: string, body?: unknown) =>
  api(path, { method: "POST", headers: { cookie }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe("a turn's result", () => {
  let user: TestUser;
  let repo: string;
  beforeAll(async () => {
    user = await newUser("task-turns");
    repo = await privateRepo(user);
  });
  afterAll(() => cleanUpUser(user));

  it("a succeeded turn with commits opens exactly one pull request with the summary; the workspace sleeps", async () => {
    const t = await startTask(user.cookie, {
      repo,
      prompt: "Fix the flaky test in ci.yml\nIt fails on Mondays.",
    });
    await sendEvents(t, [
      event(1, "turn_started"),
      event(2, "files_changed", { files: [{ path: "fix.txt", change: "added" }] }),
      event(3, "usage", { tokens: { input: 100, output: 50 }, cost_usd: 0.5 }),
    ]);
    const sha = await pushCommit(repo, t.task.branch);
    const result = {
      outcome: "succeeded",
      commits: 1,
      head_sha: sha,
      pushed: true,
      summary: "Pinned the clock in the test.",
    };
    const res = await sendResult(t, result);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ status: "succeeded" });
    // The agent retries a result whose answer it lost: nothing opens twice.
    expect((await sendResult(t, result)).status).toBe(200);

    const done = await getTask(user.cookie, t.task.id);
    expect(done).toMatchObject({
      status: "succeeded",
      turns: 1,
      commits: 1,
      pushed: true,
      head_sha: sha,
      summary: "Pinned the clock in the test.",
    });
    expect(done.pr?.url).toContain(`/${repo}/pull/`);
    const pulls = await githubApi<Pull[]>(user.login, `/repos/${repo}/pulls?state=all`);
    expect(pulls.json).toHaveLength(1);
    const pr = pulls.json[0] as Pull;
    expect(pr).toMatchObject({
      number: done.pr?.number,
      title: "Fix the flaky test in ci.yml",
      head: { ref: t.task.branch },
      base: { ref: "main" },
    });
    expect(pr.body).toContain("Pinned the clock in the test.");
    expect(pr.body).toMatch(/1 turn, 1 commit, 1 file changed, Claude \$0\.5000/);
    expect(done.workspace_state).toBe("sleeping");
    // Told by its heartbeat, the agent uploads its sleep snapshot and the VM goes.
    const beat = await vmCall(t.task.workspace_id, "heartbeat", t.callbackToken, {
      last_human_input_at: null,
      claude: { state: "idle" },
      open_terminals: 0,
      idle: { idle_seconds: 5, warning: false, shutdown_at: null },
    });
    expect(((await beat.json()) as { state: string }).state).toBe("sleeping");
  });

  it("a failed turn records the reason, keeps the pushed branch, opens no pull request, and sleeps", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "Refactor everything" });
    const sha = await pushCommit(repo, t.task.branch);
    const res = await sendResult(t, {
      outcome: "failed",
      reason: "max_minutes reached",
      commits: 1,
      head_sha: sha,
      pushed: true,
      summary: "",
    });
    expect(await res.json()).toEqual({ status: "failed" });
    const failed = await getTask(user.cookie, t.task.id);
    expect(failed).toMatchObject({
      status: "failed",
      reason: "max_minutes reached",
      pr: null,
      commits: 1,
      workspace_state: "sleeping",
    });
    expect(failed.finished_at).not.toBeNull();
    const branch = await githubApi<{ commit: { sha: string } }>(
      user.login,
      `/repos/${repo}/branches/${t.task.branch}`,
    );
    expect(branch.status).toBe(200);
    expect(branch.json.commit.sha).toBe(sha);
    const pulls = await githubApi<Pull[]>(user.login, `/repos/${repo}/pulls?state=all`);
    expect(pulls.json.filter((p) => p.head.ref === t.task.branch)).toEqual([]);
  });

  it("with when_done=delete the workspace and its VM are deleted after the last turn", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "Bump the version", when_done: "delete" });
    await sendResult(t, { outcome: "succeeded", summary: "Nothing to change." });
    const ws = await waitForState(t.task.workspace_id, "deleted");
    expect(ws.hidden).toBe(true);
    expect(await serversOf(t.task.workspace_id)).toEqual([]);
    const view = await getTask(user.cookie, t.task.id);
    expect(view).toMatchObject({ status: "succeeded", pr: null, workspace_state: "deleted" });
  });
});

describe("a VM gone before its turn finished", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("task-gone");
  });
  afterAll(() => cleanUpUser(user));

  it("the task shows failed with the reason once its workspace fell asleep mid-turn", async () => {
    const t = await startTask(user.cookie, { repo: await privateRepo(user), prompt: "Slow work" });
    const shut = await vmCall(t.task.workspace_id, "shutdown", t.callbackToken, { reason: "max_lifetime" });
    expect(shut.status).toBe(202);
    const view = await waitForTask(user.cookie, t.task.id, (x) => x.workspace_state === "asleep", "asleep");
    expect(view.status).toBe("failed");
    expect(view.reason).toMatch(/fell asleep before the turn finished: .*maximum lifetime/);
    const events = await api(`/api/tasks/${t.task.id}/events`, { headers: { cookie: user.cookie } });
    expect(((await events.json()) as { done: boolean }).done).toBe(true);
    expect(view.finished_at).toBeNull();
    // The sweep makes it final (and tells its owner): it no longer depends on the workspace's state.
    await sweep(depsAt());
    const final = await getTask(user.cookie, t.task.id);
    expect(final).toMatchObject({ status: "failed", reason: view.reason });
    expect(final.finished_at).not.toBeNull();
  });
});

describe("follow-ups", () => {
  let user: TestUser;
  let repo: string;
  beforeAll(async () => {
    user = await newUser("task-followup");
    repo = await privateRepo(user);
  });
  afterAll(() => cleanUpUser(user));

  it("a follow-up on an asleep task wakes its workspace; the new VM's bootstrap says which turn ran", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "Add a README section" });
    const at = new Date().toISOString();
    const events = [1, 2, 3].map((seq) => ({ seq, at, turn: 0, kind: "message", text: `line ${seq}` }));
    const posted = await vmCall(t.task.workspace_id, "task/events", t.callbackToken, {
      task_id: t.task.id,
      events,
    });
    expect(posted.status).toBe(200);
    await sendResult(t, { outcome: "succeeded", summary: "Done." });
    expect((await getTask(user.cookie, t.task.id)).workspace_state).toBe("sleeping");
    // The agent's sleep: snapshot, then shutdown.
    const sid = await uploadSnapshot(t.task.workspace_id, t.callbackToken, "sleep", randomBytes(2000));
    const shut = await vmCall(t.task.workspace_id, "shutdown", t.callbackToken, {
      reason: "idle",
      snapshot_id: sid,
    });
    expect(shut.status).toBe(202);
    await waitFor("the VM to go", async () => (await serversOf(t.task.workspace_id)).length === 0);

    const sent = await post(user.cookie, `/api/tasks/${t.task.id}/messages`, { text: "Also add a licence" });
    expect(sent.status, await sent.clone().text()).toBe(202);
    expect(await sent.json()).toMatchObject({ seq: 1, text: "Also add a licence" });
    const running = await getTask(user.cookie, t.task.id);
    expect(running.status).toBe("running");
    expect(running.messages).toEqual([expect.objectContaining({ seq: 1, state: "running" })]);

    const booting = await waitForState(t.task.workspace_id, "booting");
    const boot = (await bootstrapWake(t.task.workspace_id, booting.serverId ?? 0)) as unknown as {
      callback_token: string;
      restore: { snapshot_id: string } | null;
      task: { last_turn: number | null; last_seq: number | null; prompt: string };
    };
    expect(boot.restore?.snapshot_id).toBe(sid);
    // The new VM's events go on after the seqs the old one used (a repeat would be dropped).
    expect(boot.task).toMatchObject({ last_turn: 0, last_seq: 3, prompt: "Add a README section" });
    // The old VM's token opens nothing of the new one.
    const old = await api(`/api/vm/workspaces/${t.task.workspace_id}/task/messages?after=0`, {
      headers: { authorization: `Bearer ${t.callbackToken}` },
    });
    expect(old.status).toBe(401);
    const polled = await api(`/api/vm/workspaces/${t.task.workspace_id}/task/messages?after=0`, {
      headers: { authorization: `Bearer ${boot.callback_token}` },
    });
    expect(await polled.json()).toMatchObject({
      task_id: t.task.id,
      messages: [{ seq: 1, text: "Also add a licence" }],
    });
    expect(
      (await vmCall(t.task.workspace_id, "ready", boot.callback_token, { runtime: "host" })).status,
    ).toBe(200);

    const second = { task: t.task, callbackToken: boot.callback_token };
    await sendEvents(second, [event(1, "turn_started", {}, 1)]);
    await sendResult(second, { turn: 1, outcome: "succeeded", summary: "Licence added." });
    const after = await getTask(user.cookie, t.task.id);
    expect(after).toMatchObject({
      status: "succeeded",
      turns: 2,
      summary: "Licence added.",
      workspace_state: "sleeping",
    });
    expect(after.messages).toEqual([expect.objectContaining({ seq: 1, state: "done" })]);
  });

  it("a follow-up waiting when a turn ends keeps the workspace up and the task running", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "Write tests" });
    expect((await post(user.cookie, `/api/tasks/${t.task.id}/messages`, { text: "and docs" })).status).toBe(
      202,
    );
    // The prompt's turn still runs: the follow-up waits its turn.
    expect((await getTask(user.cookie, t.task.id)).messages).toEqual([
      expect.objectContaining({ seq: 1, text: "and docs", state: "pending" }),
    ]);
    expect(await (await sendResult(t, { outcome: "succeeded", summary: "Tests written." })).json()).toEqual({
      status: "running",
    });
    expect(await getTask(user.cookie, t.task.id)).toMatchObject({
      status: "running",
      turns: 1,
      workspace_state: "ready",
      messages: [expect.objectContaining({ seq: 1, state: "running" })],
    });
    // Cancel: nothing more runs, the workspace sleeps; a second cancel is refused.
    const cancel = await post(user.cookie, `/api/tasks/${t.task.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toMatchObject({ status: "canceled", workspace_state: "sleeping" });
    const polled = await api(`/api/vm/workspaces/${t.task.workspace_id}/task/messages?after=0`, {
      headers: { authorization: `Bearer ${t.callbackToken}` },
    });
    expect(((await polled.json()) as { messages: unknown[] }).messages).toEqual([]);
    await expectError(await post(user.cookie, `/api/tasks/${t.task.id}/cancel`), 409, "conflict");
    await expectError(
      await post(user.cookie, `/api/tasks/${t.task.id}/messages`, { text: "more" }),
      409,
      "conflict",
    );
  });

  it("DELETE removes the task and deletes its workspace", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "Delete me" });
    const res = await api(`/api/tasks/${t.task.id}`, { method: "DELETE", headers: { cookie: user.cookie } });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: t.task.id, status: "canceled" });
    await expectError(
      await api(`/api/tasks/${t.task.id}`, { headers: { cookie: user.cookie } }),
      404,
      "not_found",
    );
    await waitForState(t.task.workspace_id, "deleted");
    expect((await load(t.task.workspace_id)).hidden).toBe(true);
  });

  it("a follow-up sent while the workspace fell asleep is picked up by the sweep, which wakes it", async () => {
    const t = await startTask(user.cookie, { repo, prompt: "One more" });
    await sendResult(t, { outcome: "succeeded", summary: "ok" });
    // Still sleeping (snapshot in progress): the message is stored, nothing wakes yet.
    expect((await post(user.cookie, `/api/tasks/${t.task.id}/messages`, { text: "again" })).status).toBe(202);
    // The going VM starts no turn it could not finish: the wake's new VM runs it.
    const polled = await api(`/api/vm/workspaces/${t.task.workspace_id}/task/messages?after=0`, {
      headers: { authorization: `Bearer ${t.callbackToken}` },
    });
    expect(((await polled.json()) as { messages: unknown[] }).messages).toEqual([]);
    expect((await getTask(user.cookie, t.task.id)).status).toBe("running");
    const sid = await uploadSnapshot(t.task.workspace_id, t.callbackToken, "sleep", randomBytes(500));
    await vmCall(t.task.workspace_id, "shutdown", t.callbackToken, { reason: "idle", snapshot_id: sid });
    expect((await load(t.task.workspace_id)).state).toBe("asleep");
    await sweep(depsAt());
    expect(["waking", "provisioning", "booting"]).toContain((await load(t.task.workspace_id)).state);
    await waitForTask(user.cookie, t.task.id, (x) => x.workspace_state === "booting", "its workspace boots");
  });
});
