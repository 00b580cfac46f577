/** The task loop with a stand-in claude: events, results, git, time limit, failures, follow-ups. */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TaskSpec } from "@berth/protocol";
import { runCommand } from "../../src/boot/exec.ts";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { hostTaskRuntime } from "../../src/tasks/runtime.ts";
import { startTask, type TaskOptions } from "../../src/tasks/task.ts";
import { removeAll, tempDir } from "../boot/helpers.ts";
import { cloneWithOrigin, fakeClaude, taskControlPlane, waitFor } from "./support.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const spec: TaskSpec = {
  id: "t1",
  prompt: "Add an output file, please.\nSecond line of the prompt.",
  branch: "berth/t1",
  base_branch: "main",
  max_minutes: 30,
  permission_mode: "acceptEdits",
  commit_and_push: true,
};

async function setup(
  mode: "edit" | "sleep" | "fail",
  cpOpts: Parameters<typeof taskControlPlane>[0] = {},
  overrides: Partial<TaskOptions> = {},
  prepare: (bare: string, root: string) => Promise<void> = async () => {},
) {
  const root = await tempDir("berth-task-", dirs);
  const { dir, bare } = await cloneWithOrigin(root);
  await prepare(bare, root);
  await fakeClaude(join(root, "bin"));
  const cp = taskControlPlane(cpOpts);
  cleanups.push(cp.stop);
  const client = createControlPlaneClient({
    baseUrl: cp.url,
    workspaceId: "ws_test",
    sleep: () => Bun.sleep(5),
  });
  client.setCallbackToken("cb_0123456789abcdefghijklmnop");
  const env: Record<string, string> = {
    PATH: `${join(root, "bin")}:${process.env.PATH}`,
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "user.name",
    GIT_CONFIG_VALUE_0: "Octo Cat",
    GIT_CONFIG_KEY_1: "user.email",
    GIT_CONFIG_VALUE_1: "1+octo@users.noreply.github.com",
    FAKE_CLAUDE: mode,
    FAKE_CLAUDE_DIR: root,
  };
  const task = startTask({
    spec,
    runtime: hostTaskRuntime({ dir, env, runDir: join(root, "run") }),
    client,
    workspaceDir: dir,
    statePath: join(root, "state", "task.json"),
    env,
    pollMs: 50,
    eventIntervalMs: 50,
    retryMs: 20,
    log: process.env.TASK_TEST_LOG ? (m) => console.error(m) : undefined,
    ...overrides,
  });
  cleanups.push(() => task.stop());
  return { root, dir, bare, cp, task, env };
}

const git = async (cwd: string, ...args: string[]) =>
  (await runCommand(["git", ...args], { cwd, env: process.env as Record<string, string> })).stdout.trim();

test("a turn: the timeline in order, the work committed as the person and pushed, then the result", async () => {
  const { root, bare, cp } = await setup("edit");
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  const head = await git(bare, "rev-parse", "berth/t1");
  expect(result).toEqual({
    task_id: "t1",
    turn: 0,
    outcome: "succeeded",
    branch: "berth/t1",
    commits: 1,
    head_sha: head,
    pushed: true,
    summary: "Wrote out0.txt.",
    tokens: { input: 1200, output: 34, cache_read: 0, cache_creation: 0 },
    cost_usd: 0.0125,
  });
  expect(await git(bare, "show", "berth/t1:out0.txt")).toBe("made by turn 0");
  expect(await git(bare, "log", "-1", "--format=%an <%ae>|%s", "berth/t1")).toBe(
    "Octo Cat <1+octo@users.noreply.github.com>|Add an output file, please. Second line of the prompt.",
  );
  expect(await git(bare, "rev-parse", "berth/t1~1")).toBe(await git(bare, "rev-parse", "main"));

  // Every event arrived before the result, numbered from 1 without gaps.
  const events = cp.events();
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.map((e) => `${e.kind}:${e.text}`)).toEqual([
    `turn_started:${spec.prompt}`,
    "message:Writing the file.",
    "tool_call:Write out0.txt",
    "tool_result:File created successfully",
    "files_changed:1 file changed: out0.txt (added)",
    "message:Wrote out0.txt.",
    "usage:1200 tokens in, 34 out, $0.0125",
    "turn_finished:succeeded",
  ]);
  expect(events[4]?.files).toEqual([{ path: "out0.txt", change: "added" }]);
  expect(events.every((e) => e.turn === 0)).toBe(true);
  const lastEventAt = Math.max(...cp.of("events").map((r) => r.at));
  expect(cp.of("result")[0]?.at).toBeGreaterThanOrEqual(lastEventAt);

  // The prompt went in on stdin, never on the command line.
  expect(await readFile(join(root, "prompt0"), "utf8")).toBe(spec.prompt);
  const argv = (await readFile(join(root, "argv0"), "utf8")).trim().split("\n");
  expect(argv).toEqual([
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
  ]);
}, 60_000);

test("batches survive a control plane that refuses them for a while; a follow-up resumes the session", async () => {
  const { root, bare, cp } = await setup("edit", { failEvents: 5 }, { eventBatchSize: 3 });
  await waitFor("the first result", () => cp.results().length === 1);
  expect(cp.of("events").length).toBe(cp.accepted.length + 5);
  // Refused batches came again: every event arrived, each batch at most 3, none twice.
  const first = cp.events();
  expect(first.map((e) => e.kind)).toContain("turn_finished");
  expect(cp.accepted.every((b) => b.events.length <= 3)).toBe(true);
  const taken = cp.accepted.flatMap((b) => b.events.map((e) => e.seq));
  expect(taken).toEqual([...new Set(taken)]);

  cp.messages.push({ seq: 1, text: "Now another file.", at: new Date().toISOString() });
  const results = await waitFor("the follow-up's result", () => cp.results().length === 2 && cp.results());
  expect(results[1]).toMatchObject({ turn: 1, outcome: "succeeded", commits: 2, pushed: true });
  expect(await git(bare, "show", "berth/t1:out1.txt")).toBe("made by turn 1");
  expect(await readFile(join(root, "prompt1"), "utf8")).toBe("Now another file.");
  const argv = (await readFile(join(root, "argv1"), "utf8")).trim().split("\n");
  expect(argv.slice(-2)).toEqual(["--resume", "11111111-2222-3333-4444-555555555555"]);
  const turn1 = cp.events().filter((e) => e.turn === 1);
  expect(turn1[0]).toMatchObject({ kind: "turn_started", text: "Now another file.", seq: first.length + 1 });
  // Asked for messages after the last finished turn.
  expect(cp.of("messages").length).toBeGreaterThan(0);
}, 60_000);

test("max_minutes: the whole process group is killed and the turn fails", async () => {
  // A "minute" of 100 ms: the limit passes while claude (and its child) sleep.
  const { root, cp } = await setup("sleep", {}, { minuteMs: 100, spec: { ...spec, max_minutes: 1 } });
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({
    outcome: "failed",
    reason: "max_minutes reached",
    commits: 0,
    pushed: false,
  });
  const kinds = cp.events().map((e) => `${e.kind}:${e.text}`);
  expect(kinds).toEqual([
    `turn_started:${spec.prompt}`,
    "message:Thinking for a long time.",
    "error:max_minutes reached",
    "turn_finished:failed: max_minutes reached",
  ]);
  const child = Number((await readFile(join(root, "child.pid"), "utf8")).trim());
  expect(
    existsSync(`/proc/${child}`) && !(await readFile(`/proc/${child}/stat`, "utf8")).includes(") Z"),
  ).toBe(false);
}, 60_000);

test("claude exits non-zero: the turn fails with its exit code and last words; nothing is pushed", async () => {
  const { bare, cp } = await setup("fail");
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({
    outcome: "failed",
    reason: "claude exited with code 3: boom: the model exploded",
    commits: 0,
    pushed: false,
    summary: "",
  });
  expect(cp.events().map((e) => e.kind)).toEqual(["turn_started", "error", "turn_finished"]);
  expect(await git(bare, "branch", "--list", "berth/t1")).toBe("");
}, 60_000);

test("a rejected push fails the turn with git's reason; the commit stays on the local branch", async () => {
  const { dir, bare, cp } = await setup("edit", {}, {}, async (bare) => {
    const hook = join(bare, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'protected: pushes to berth/* are closed' >&2\nexit 1\n", {
      mode: 0o755,
    });
  });
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({ outcome: "failed", commits: 1, pushed: false, summary: "Wrote out0.txt." });
  expect(result?.reason).toStartWith("git push failed:");
  expect(result?.reason).toContain("protected: pushes to berth/* are closed");
  expect(await git(bare, "branch", "--list", "berth/t1")).toBe("");
  expect(await git(dir, "show", "berth/t1:out0.txt")).toBe("made by turn 0");
  const kinds = cp.events().map((e) => e.kind);
  expect(kinds.slice(-2)).toEqual(["error", "turn_finished"]);
}, 60_000);

test("an agent restarted during a turn reports that turn interrupted, never reruns it, and goes on", async () => {
  const { root, cp } = await setup("edit", {}, {}, async (_bare, root) => {
    await mkdir(join(root, "state"), { recursive: true });
    const state = { task_id: "t1", next_seq: 7, last_turn: null, running_turn: 0, session_id: null };
    await writeFile(join(root, "state", "task.json"), JSON.stringify(state));
  });
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({
    turn: 0,
    outcome: "failed",
    reason: "interrupted: the agent restarted during this turn",
    commits: 0,
  });
  expect(cp.events().map((e) => `${e.seq}:${e.kind}`)).toEqual(["7:error", "8:turn_finished"]);
  expect(existsSync(join(root, "prompt0"))).toBe(false);

  // A follow-up still runs, continuing the latest conversation (no session id is known).
  cp.messages.push({ seq: 1, text: "Try again.", at: new Date().toISOString() });
  await waitFor("the follow-up's result", () => cp.results().length === 2);
  expect(cp.results()[1]).toMatchObject({ turn: 1, outcome: "succeeded", pushed: true });
  expect((await readFile(join(root, "argv0"), "utf8")).trim().split("\n").at(-1)).toBe("--continue");
}, 60_000);

test("a wake after the prompt's turn (bootstrap's last_turn) does not run the prompt again; its events go on after last_seq", async () => {
  const { root, cp } = await setup("edit", {}, { spec: { ...spec, last_turn: 0, last_seq: 10 } });
  await waitFor("a look for follow-ups", () => cp.of("messages").length > 0);
  cp.messages.push({ seq: 1, text: "One more thing.", at: new Date().toISOString() });
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({ turn: 1, outcome: "succeeded" });
  expect(await readFile(join(root, "prompt0"), "utf8")).toBe("One more thing.");
  expect(cp.results()).toHaveLength(1);
  // The control plane already holds seqs 1-10 (the prompt's turn): a repeat would be dropped.
  const seqs = cp.events().map((e) => e.seq);
  expect(seqs[0]).toBe(11);
  expect(cp.events()[0]).toMatchObject({ turn: 1, kind: "turn_started" });
}, 60_000);
