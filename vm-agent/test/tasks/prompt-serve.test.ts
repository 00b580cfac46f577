/**
 * `serve` in an interactive workspace: the heartbeat answer's prompt_task runs once as a headless turn
 * beside the terminal (the person's branch, nothing committed), however many answers name it.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TaskSpec } from "@berth/protocol";
import { runCommand } from "../../src/boot/exec.ts";
import { agentPaths } from "../../src/config.ts";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { fakeControlPlane } from "../control-plane/fake.ts";
import { fakeClaude, waitFor } from "./support.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const noTerminal: StartHttpServer = async () => {
  const server: AgentHttpServer = {
    url: "http://127.0.0.1:9",
    port: 9,
    sessions: () => [],
    broadcastBanner: () => {},
    stop: async () => {},
  };
  return server;
};

const prompt: TaskSpec = {
  id: "tprompt1",
  prompt: "Write an output file.",
  branch: "main",
  base_branch: null,
  max_minutes: 10,
  permission_mode: "acceptEdits",
  commit_and_push: false,
  last_turn: null,
  mode: "prompt",
};

test("a prompt named by heartbeat answers runs once, beside the terminal, and commits nothing", async () => {
  const root = await tempDir("berth-prompt-serve-", dirs);
  const dataDir = join(root, "data");
  const origin = await makeRepo(root);
  // The control plane names the prompt until two answers after its result (a late answer).
  let answersAfterResult = 0;
  const cp = fakeControlPlane({
    bootstrap: () =>
      Response.json({ callback_token: "cb_0123456789abcdefghijklmnop", claude_api_key: "sk-ant-test-0" }),
    heartbeat: () => {
      const done = cp.of("result").length > 0;
      const named = !done || answersAfterResult++ < 2;
      return Response.json({ state: "ready", public_ports: [], prompt_task: named ? prompt : null });
    },
  });
  cleanups.push(cp.stop);
  const bin = join(root, "bin");
  await fakeBin(bin, "docker", "exit 1");
  await fakeClaude(bin);
  await mkdir(join(root, "etc"));
  const configPath = join(root, "etc", "agent.json");
  await writeFile(
    configPath,
    JSON.stringify(
      testConfig(dataDir, { control_plane_url: cp.url, repo_url: origin, heartbeat_interval_seconds: 1 }),
    ),
  );
  const env = {
    ...(process.env as Record<string, string>),
    PATH: `${bin}:${process.env.PATH}`,
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
    FAKE_CLAUDE: "edit",
    FAKE_CLAUDE_DIR: root,
  };
  const agent = await serve({
    configPath,
    startHttpServer: noTerminal,
    env,
    tickMs: 50,
    log: () => {},
    task: { pollMs: 100, eventIntervalMs: 100 },
  });
  cleanups.push(() => agent.stop());

  const workspace = agentPaths(dataDir).workspaceDir;
  const head = (await runCommand(["git", "rev-parse", "HEAD"], { cwd: workspace, env })).stdout.trim();
  const result = await waitFor("the prompt's result", () => cp.of("result")[0]?.body, 60_000);
  expect(result).toMatchObject({
    task_id: prompt.id,
    turn: 0,
    outcome: "succeeded",
    branch: "main",
    commits: 0,
    head_sha: head,
    summary: "Wrote out0.txt.",
  });
  // Later answers named it again, then none: it ran once, and the file stays uncommitted.
  await waitFor("answers after the result", () => answersAfterResult >= 3, 30_000);
  expect(cp.of("result")).toHaveLength(1);
  expect(existsSync(join(root, "prompt1"))).toBe(false);
  const status = await runCommand(["git", "status", "--porcelain"], { cwd: workspace, env });
  expect(status.stdout.trim()).toBe("?? out0.txt");
  // No follow-ups were asked for: a prompt is one turn.
  expect(cp.of("messages")).toEqual([]);
}, 90_000);
