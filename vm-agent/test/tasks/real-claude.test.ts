/**
 * A task end to end with the REAL Claude Code CLI (local-cloud's devDependency, run on the host as
 * local mode does): `serve` gets a task at bootstrap, Claude (pointed at local-cloud's Anthropic
 * stand-in, scripted to Read, Edit and Write) changes the repo, and the branch is pushed through the
 * agent's credential helper to a real `git http-backend` that demands App tokens.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { agentPaths } from "../../src/config.ts";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { bareRepo, filesContaining, gitHub } from "../git/support.ts";
import { type TaskEventBody, waitFor } from "./support.ts";

const repoRoot = resolve(import.meta.dir, "../../..");
const claudeExe = join(repoRoot, "local-cloud/node_modules/@anthropic-ai/claude-code/bin/claude.exe");
// The binary itself: .bin/node is a shell wrapper that a SIGTERM would not pass on to node.
const node = join(repoRoot, "node_modules/node/bin/node");
const KEY = "sk-ant-test-task-7c1e2d9f00aa";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
let standIn: { url: string; stop(): Promise<void> } | null = null;

/** local-cloud's stand-ins in their own process, every port chosen by the kernel. */
async function startStandIn() {
  const proc = Bun.spawn([node, join(repoRoot, "local-cloud/src/main.ts")], {
    env: {
      ...process.env,
      LOCAL_CLOUD_VMS: "off",
      LOCAL_CLOUD_EDGE_PORT: "off",
      LOCAL_CLOUD_HETZNER_PORT: "0",
      LOCAL_CLOUD_CLOUDFLARE_PORT: "0",
      LOCAL_CLOUD_GITHUB_PORT: "0",
      LOCAL_CLOUD_ANTHROPIC_PORT: "0",
      LOCAL_CLOUD_PUSH_PORT: "0",
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!/local-cloud anthropic\s+(\S+)/.test(out)) {
    const r = await reader.read();
    if (r.done) throw new Error(`local-cloud did not start: ${out}`);
    out += new TextDecoder().decode(r.value);
  }
  const url = /local-cloud anthropic\s+(\S+)/.exec(out)?.[1] ?? "";
  return {
    url,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

beforeAll(async () => {
  if (existsSync(claudeExe)) standIn = await startStandIn();
});
afterAll(async () => {
  await standIn?.stop();
});
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

test.skipIf(!existsSync(claudeExe))(
  "the real claude edits the repo through tool calls; the task's branch is pushed and the result posted",
  async () => {
    const anthropic = standIn?.url ?? "";
    const root = await tempDir("berth-task-real-", dirs);
    const dataDir = join(root, "data");
    const workspace = agentPaths(dataDir).workspaceDir;
    const task = {
      id: "tsk_real1",
      prompt: "Say hello to the world in README.md and add NOTES.md.",
      branch: "berth/tsk_real1",
      base_branch: "main",
      max_minutes: 10,
      permission_mode: "acceptEdits",
      commit_and_push: true,
    };
    const identity = { user_name: "Octo Cat", user_email: "1+octo@users.noreply.github.com" };
    let origin = "";
    const gh = await gitHub(root, {
      repository: "octo/app",
      clock: { now: Date.now() },
      routes: {
        bootstrap: () =>
          Response.json({
            callback_token: "cb_0123456789abcdefghijklmnop",
            claude_api_key: KEY,
            git: { repository: "octo/app", origin, ...identity },
            task,
          }),
        messages: () => Response.json({ task_id: task.id, messages: [] }),
      },
    });
    origin = gh.origin;
    cleanups.push(gh.stop);
    const bare = await bareRepo(root, await makeRepo(root), "octo/app");

    const script = await fetch(`${anthropic}/__berth/anthropic/script`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        steps: [
          {
            text: "Let me look at the README.",
            tool: "Read",
            input: { file_path: join(workspace, "README.md") },
          },
          {
            tool: "Edit",
            input: {
              file_path: join(workspace, "README.md"),
              old_string: "hello",
              new_string: "hello, world",
            },
          },
          { tool: "Write", input: { file_path: join(workspace, "NOTES.md"), content: "Notes by Claude.\n" } },
          { text: "README.md now greets the world, and NOTES.md exists." },
        ],
      }),
    });
    expect(script.status).toBe(201);

    const bin = join(root, "bin");
    await fakeBin(bin, "docker", "exit 1");
    await symlink(claudeExe, join(bin, "claude"));
    await mkdir(join(root, "etc"));
    const configPath = join(root, "etc", "agent.json");
    await writeFile(
      configPath,
      JSON.stringify(
        testConfig(dataDir, {
          control_plane_url: gh.cp.url,
          repo_url: `${gh.origin}/octo/app.git`,
          anthropic_base_url: anthropic,
        }),
      ),
    );
    const env = {
      ...(process.env as Record<string, string>),
      PATH: `${bin}:${process.env.PATH}`,
      HOME: root,
      GIT_CONFIG_NOSYSTEM: "1",
    };
    const agent = await serve({
      configPath,
      startHttpServer: noTerminal,
      env,
      tickMs: 50,
      log: () => {},
      task: { pollMs: 200, eventIntervalMs: 200 },
    });
    cleanups.push(() => agent.stop());

    const result = await waitFor(
      "the task's result",
      () => gh.cp.of("result")[0]?.body as Record<string, unknown> | undefined,
      150_000,
    );
    const show = (ref: string) => runCommand(["git", "show", ref], { cwd: bare, env });
    expect(result).toMatchObject({
      task_id: task.id,
      turn: 0,
      outcome: "succeeded",
      branch: task.branch,
      commits: 1,
      pushed: true,
      summary: "README.md now greets the world, and NOTES.md exists.",
    });
    expect(result.cost_usd).toBeGreaterThan(0);
    expect((await show(`${task.branch}:README.md`)).stdout).toBe("hello, world\n");
    expect((await show(`${task.branch}:NOTES.md`)).stdout).toBe("Notes by Claude.\n");
    const author = await runCommand(["git", "log", "-1", "--format=%an <%ae>", task.branch], {
      cwd: bare,
      env,
    });
    expect(author.stdout.trim()).toBe("Octo Cat <1+octo@users.noreply.github.com>");
    expect(result.head_sha).toBe(
      (await runCommand(["git", "rev-parse", task.branch], { cwd: bare, env })).stdout.trim(),
    );

    const events = gh.cp
      .of("events")
      .flatMap((r) => (r.body as TaskEventBody).events)
      .sort((a, b) => a.seq - b.seq);
    const lines = events.map((e) => `${e.kind}:${e.tool ?? ""}:${e.input_summary ?? ""}`);
    expect(lines).toContain("tool_call:Read:README.md");
    expect(lines).toContain("tool_call:Edit:README.md");
    expect(lines).toContain("tool_call:Write:NOTES.md");
    expect(events[0]).toMatchObject({ kind: "turn_started", text: task.prompt });
    expect(events.at(-1)).toMatchObject({ kind: "turn_finished", text: "succeeded" });
    const files = events.filter((e) => e.kind === "files_changed").flatMap((e) => e.files as unknown[]);
    expect(files).toContainEqual({ path: "README.md", change: "modified" });
    expect(files).toContainEqual({ path: "NOTES.md", change: "added" });
    expect(events.find((e) => e.kind === "usage")?.cost_usd).toBe(result.cost_usd as number);

    // The prompt reached the model (through claude's stdin), and the key never sat on disk in clear
    // outside the agent's secrets file.
    const requests = (await (await fetch(`${anthropic}/__berth/anthropic/requests`)).json()) as Array<{
      kind: string;
      lastUserText: string | null;
    }>;
    expect(requests.find((r) => r.kind === "main")?.lastUserText).toBe(task.prompt);
    await agent.stop();
    for (const t of gh.minted) expect(await filesContaining(root, t.password)).toEqual([]);
  },
  180_000,
);
