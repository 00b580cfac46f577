// Tasks (#15) as a person on a phone sees them: a task on alice/private-notes (private, the App
// installed) started from the dashboard, Claude (the Anthropic stand-in, scripted) edits a file
// through a tool call while the timeline shows it live, the branch is pushed as alice, the PR carries
// the summary, the "done" notification reaches a push subscription, and the VM is gone soon after
// the end. A follow-up wakes the workspace and runs a second turn on the same branch. Then the
// failures — Claude exits non-zero, max_minutes, the push refused — each end in a clear state with
// no VM left.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "../src/browser.ts";
import { baseUrl, type RunningSystem, startSystem } from "../src/system.ts";
import {
  branchCommits,
  callApi,
  fileOn,
  github,
  mainRequests,
  nothingLeft,
  pullRequest,
  pushMessages,
  script,
  subscribeToPush,
  type TaskJson,
  taskOf,
  vmLeft,
} from "../src/tasks.ts";
import { signIn } from "../src/ui.ts";

const claudeKey = "sk-ant-api03-e2e-tasks-key-8c2d";
const folder = "/workspaces/workspace";
const prompt = "Make README.md greet the world";
const summary = "README.md now greets the world.";
const followUpText = "Also add NOTES.md with a line of notes";

let system: RunningSystem;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  system = await startSystem({});
  browser = await launchChromium();
  // A phone: narrow, touch, high density.
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  page = await context.newPage();
  await signIn(page, "alice");
  await callApi(page, "PUT", "/api/credentials/claude", { api_key: claudeKey });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const finished = (t: TaskJson) => ["succeeded", "failed", "canceled"].includes(t.status);

/** Waits for the task to finish and its VM to be gone; prints how long the VM outlived the end. */
async function finishedAndGone(id: string, label: string): Promise<TaskJson> {
  await expect
    .poll(async () => finished(await taskOf(page, id)), { timeout: 600_000, interval: 500 })
    .toBe(true);
  const task = await taskOf(page, id);
  await expect
    .poll(() => vmLeft(task.workspace_id), { timeout: 300_000, interval: 500 })
    .toEqual(nothingLeft);
  const end = Date.parse(task.finished_at ?? "");
  console.log(`figure: ${label}: task end -> VM gone ${((Date.now() - end) / 1000).toFixed(1)} s`);
  return taskOf(page, id);
}

describe("tasks", () => {
  it("runs a task from a phone: live tool call, pushed branch, PR with the summary, notified, VM gone; a follow-up continues", async () => {
    const subscription = await subscribeToPush(page);
    await script([
      { text: "Let me read the README.", tool: "Read", input: { file_path: `${folder}/README.md` } },
      {
        tool: "Edit",
        input: {
          file_path: `${folder}/README.md`,
          old_string: "# private-notes",
          new_string: "# Hello, world",
        },
      },
      // The answer comes late, so the task is still running while the timeline shows the edit.
      { text: summary, delayMs: 30_000 },
    ]);

    await page.goto(`${baseUrl}/#/tasks`);
    await page.getByLabel("Repository").fill("alice/private-notes");
    await page.getByLabel("What should Claude do?").fill(prompt);
    await page.getByRole("button", { name: "Start task" }).click();
    await page.waitForURL(/#\/t\/[A-Za-z0-9_-]+$/);
    const id = /#\/t\/([A-Za-z0-9_-]+)$/.exec(page.url())?.[1] ?? "";
    expect(await page.getByTestId("task-prompt").textContent()).toContain(prompt);
    await screenshot(page, "task-started-phone");

    // Live: the Edit shows up in the timeline while the task still runs.
    const timeline = page.getByRole("list", { name: "Task timeline" });
    const edit = timeline.locator('li[data-kind="tool_call"]', { hasText: "Edit" });
    await edit.waitFor({ timeout: 400_000 });
    expect(await edit.textContent()).toContain("README.md");
    expect(await page.locator(".ws-title [data-status]").getAttribute("data-status")).toBe("running");
    expect((await taskOf(page, id)).status).toBe("running");
    await screenshot(page, "task-live-tool-call-phone");

    const done = await finishedAndGone(id, "succeeded task");
    expect(done).toMatchObject({ status: "succeeded", turns: 1, commits: 1, pushed: true, summary });
    expect(["asleep", "sleeping"]).toContain(done.workspace_state);
    await page.locator('.ws-title [data-status="succeeded"]').waitFor({ timeout: 60_000 });

    // The branch on the stand-in: the edit, committed as alice.
    const commits = await branchCommits(done.branch);
    expect(commits[0]?.author_email).toMatch(/\+alice@users\.noreply\.github\.com$/);
    expect(await fileOn(done.branch, "README.md")).toMatch(/^# Hello, world\n/);
    // The pull request, linked on the page, with the summary in its body.
    const link = page.locator(".task-pr a");
    await link.waitFor({ timeout: 30_000 });
    expect(await link.getAttribute("href")).toBe(done.pr?.url);
    expect(done.pr?.url).toMatch(new RegExp(`^${github}/alice/private-notes/pull/\\d+$`));
    const pr = await pullRequest(done.pr?.number ?? 0);
    expect(pr.head.ref).toBe(done.branch);
    expect(pr.body).toContain(summary);
    // The "done" notification, decrypted with this test's keys, opens the task's page.
    const pushed = await expect
      .poll(() => pushMessages(subscription), { timeout: 60_000 })
      .toHaveLength(1)
      .then(() => pushMessages(subscription));
    expect(pushed[0]?.decrypt_error).toBeNull();
    expect(JSON.parse(pushed[0]?.payload ?? "{}")).toMatchObject({
      kind: "task_finished",
      title: "Task done",
      url: `/#/t/${id}`,
    });
    await screenshot(page, "task-succeeded-phone");

    // A follow-up wakes the workspace and runs the next turn on the same branch, continuing.
    const before = (await mainRequests()).length;
    await script([
      { tool: "Write", input: { file_path: `${folder}/NOTES.md`, content: "Notes from the follow-up.\n" } },
      { text: "Added NOTES.md." },
    ]);
    await page.getByLabel("Message to Claude").fill(followUpText);
    await page.getByRole("button", { name: "Send" }).click();
    // The follow-up's turn ran (the API says so), then the page's timeline must show it too.
    await expect
      .poll(async () => (await taskOf(page, id)).turns, { timeout: 400_000, interval: 1000 })
      .toBe(2);
    await timeline
      .locator('li[data-kind="turn_started"]', { hasText: followUpText })
      .waitFor({ timeout: 60_000 });
    const second = await finishedAndGone(id, "follow-up");
    expect(second).toMatchObject({
      status: "succeeded",
      commits: 2,
      pushed: true,
      summary: "Added NOTES.md.",
    });
    expect(second.pr?.number).toBe(done.pr?.number);
    expect(await fileOn(done.branch, "NOTES.md")).toBe("Notes from the follow-up.\n");
    expect(await fileOn(done.branch, "README.md")).toMatch(/^# Hello, world\n/);
    const resumed = (await mainRequests()).slice(before).find((r) => r.lastUserText === followUpText);
    expect(resumed?.userTexts).toContain(prompt);
    await screenshot(page, "task-follow-up-phone");
  }, 1_500_000);

  /** Starts a task through the API (the dashboard form is covered above). */
  const start = (body: Record<string, unknown>) =>
    callApi<TaskJson>(page, "POST", "/api/tasks", { repo: "alice/private-notes", ...body });

  it("Claude exits non-zero (the API refuses): failed with Claude's reason, no VM left", async () => {
    await script([{ error: { status: 400, type: "invalid_request_error", message: "e2e refuses this" } }]);
    const task = await start({ prompt: "This request is refused" });
    const end = await finishedAndGone(task.id, "Claude error");
    expect(end).toMatchObject({ status: "failed", commits: 0, pr: null });
    expect(end.reason).toBe("Claude API error 400: e2e refuses this");
    await page.goto(`${baseUrl}/#/t/${task.id}`);
    expect(await page.getByTestId("task-reason").textContent()).toContain("e2e refuses this");
    await screenshot(page, "task-failed-claude-error-phone");
  }, 900_000);

  it("max_minutes: a turn that never ends is stopped; failed, no VM left", async () => {
    await script([{ text: "Too late.", delayMs: 600_000 }]);
    const task = await start({ prompt: "Think forever", max_minutes: 1 });
    const end = await finishedAndGone(task.id, "max_minutes");
    expect(end).toMatchObject({ status: "failed", reason: "max_minutes reached", pr: null });
  }, 900_000);

  it("the push is refused (the installation is suspended mid-task): failed with git's reason, no VM left", async () => {
    await script([
      { tool: "Write", input: { file_path: `${folder}/REFUSED.md`, content: "never pushed\n" } },
      // Late, so the installation is suspended before the turn's push.
      { text: "Wrote REFUSED.md.", delayMs: 20_000 },
    ]);
    const task = await start({ prompt: "Write REFUSED.md" });
    await expect
      .poll(
        async () => {
          const page1 = await callApi<{ events: Array<{ kind: string; tool?: string }> }>(
            page,
            "GET",
            `/api/tasks/${task.id}/events?limit=500`,
          );
          return page1.events.some((e) => e.kind === "tool_result" && e.tool === "Write");
        },
        { timeout: 400_000, interval: 500 },
      )
      .toBe(true);
    const suspend = (method: string) => fetch(`${github}/__berth/installations/alice/suspended`, { method });
    expect((await suspend("PUT")).status).toBe(200);
    try {
      const end = await finishedAndGone(task.id, "push refused");
      expect(end).toMatchObject({ status: "failed", commits: 1, pushed: false, pr: null });
      expect(end.reason).toMatch(/^git push failed: /);
      expect(await branchCommits(end.branch)).toEqual([]);
    } finally {
      await suspend("DELETE");
    }
  }, 900_000);
});
