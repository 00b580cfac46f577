/**
 * A prompt sent to an interactive workspace: one headless turn in the person's working tree, in a new
 * Claude session, with no branch switch, commit or push; and the runner that starts each prompt the
 * heartbeat answers name once, and stops one that is no longer asked for.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TaskSpec } from "@berth/protocol";
import { runCommand } from "../../src/boot/exec.ts";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { createPromptRunner } from "../../src/tasks/prompts.ts";
import { hostTaskRuntime } from "../../src/tasks/runtime.ts";
import { type RunningTask, startTask } from "../../src/tasks/task.ts";
import { removeAll, tempDir } from "../boot/helpers.ts";
import { cloneWithOrigin, fakeClaude, taskControlPlane, waitFor } from "./support.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const promptSpec: TaskSpec = {
  id: "p1",
  prompt: "Add an output file beside my work.",
  branch: "feature",
  base_branch: null,
  max_minutes: 30,
  permission_mode: "acceptEdits",
  commit_and_push: false,
  last_turn: null,
  mode: "prompt",
};

const git = async (cwd: string, ...args: string[]) =>
  (await runCommand(["git", ...args], { cwd, env: process.env as Record<string, string> })).stdout.trim();

test("a prompt runs in the person's tree: their branch, a fresh session, nothing committed or pushed", async () => {
  const root = await tempDir("berth-prompt-", dirs);
  const { dir, bare } = await cloneWithOrigin(root);
  // The person is on their own branch, with work of their own not committed yet.
  await git(dir, "switch", "-q", "feature");
  await writeFile(join(dir, "FEATURE.md"), "feature, half done\n");
  const headBefore = await git(dir, "rev-parse", "HEAD");
  const originBefore = await git(bare, "for-each-ref", "--format=%(refname) %(objectname)");
  await fakeClaude(join(root, "bin"));
  const cp = taskControlPlane();
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
    FAKE_CLAUDE: "edit",
    FAKE_CLAUDE_DIR: root,
  };
  const task = startTask({
    spec: promptSpec,
    runtime: hostTaskRuntime({ dir, env, runDir: join(root, "run") }),
    client,
    workspaceDir: dir,
    statePath: join(root, "state", "prompt.json"),
    env,
    pollMs: 50,
    eventIntervalMs: 50,
    retryMs: 20,
  });
  cleanups.push(() => task.stop());
  await task.done;

  expect(cp.results()).toEqual([
    {
      task_id: "p1",
      turn: 0,
      outcome: "succeeded",
      branch: "feature",
      commits: 0,
      head_sha: headBefore,
      // Where the person's branch stood already: origin has it at HEAD (nothing new was pushed).
      pushed: true,
      summary: "Wrote out0.txt.",
      tokens: { input: 1200, output: 34, cache_read: 0, cache_creation: 0 },
      cost_usd: 0.0125,
    },
  ]);
  expect(cp.events().map((e) => e.kind)).toEqual([
    "turn_started",
    "message",
    "tool_call",
    "tool_result",
    "files_changed",
    "message",
    "usage",
    "turn_finished",
  ]);
  // Claude edited the person's tree; nothing was switched, committed or pushed.
  expect(await git(dir, "symbolic-ref", "--short", "HEAD")).toBe("feature");
  expect(await git(dir, "rev-parse", "HEAD")).toBe(headBefore);
  expect(await git(dir, "status", "--porcelain")).toBe("M FEATURE.md\n?? out0.txt");
  expect(await readFile(join(dir, "FEATURE.md"), "utf8")).toBe("feature, half done\n");
  expect(await git(bare, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(originBefore);
  // A new session (no --continue / --resume of the person's), and no follow-ups asked for.
  const argv = (await readFile(join(root, "argv0"), "utf8")).trim().split("\n");
  expect(argv).toEqual([
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
  ]);
  expect(cp.of("messages")).toEqual([]);
  expect(existsSync(join(root, "prompt1"))).toBe(false);
}, 60_000);

/** A RunningTask that runs until stopped (or `finish`), recording what happened to it. */
function fakeRun(id: string, seen: string[]) {
  let end = () => {};
  const done = new Promise<void>((resolve) => {
    end = resolve;
  });
  const task: RunningTask = {
    done,
    async stop() {
      seen.push(`stop ${id}`);
      end();
      await done;
    },
  };
  return { task, finish: end };
}

test("the runner starts each prompt the answers name once, and stops one no longer asked for", async () => {
  const seen: string[] = [];
  const runs = new Map<string, ReturnType<typeof fakeRun>>();
  const runner = createPromptRunner((spec) => {
    seen.push(`start ${spec.id}`);
    const run = fakeRun(spec.id, seen);
    runs.set(spec.id, run);
    return run.task;
  });
  const p2 = { ...promptSpec, id: "p2" };
  // Every answer names the unfinished prompt: it starts once.
  runner.offer(promptSpec);
  runner.offer(promptSpec);
  await runner.settled();
  expect(seen).toEqual(["start p1"]);
  // An older control plane says nothing, and a task's spec is not a prompt: no change.
  runner.offer(undefined);
  runner.offer({ ...p2, mode: "task" });
  await runner.settled();
  expect(seen).toEqual(["start p1"]);
  // Canceled: no longer named, so it stops.
  runner.offer(null);
  await runner.settled();
  expect(seen).toEqual(["start p1", "stop p1"]);
  // A late answer naming it again does not run it again; the next prompt runs.
  runner.offer(promptSpec);
  runner.offer(p2);
  await runner.settled();
  expect(seen).toEqual(["start p1", "stop p1", "start p2"]);
  // A new prompt while another runs: the old one is stopped before the new one starts.
  runner.offer({ ...promptSpec, id: "p3" });
  await waitFor("p3", () => seen.includes("start p3"));
  expect(seen.slice(-2)).toEqual(["stop p2", "start p3"]);
  await runner.stop();
  expect(seen.at(-1)).toBe("stop p3");
});
