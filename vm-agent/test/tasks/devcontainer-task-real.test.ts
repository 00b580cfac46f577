/**
 * A task through a REAL devcontainer: the project's Docker engine, local mode's workspace image, the
 * real Claude Code in it against the Anthropic stand-in (scripted to edit through tool calls), and
 * the branch pushed through the compiled agent's credential helper to the GitHub stand-in's git
 * server (local-cloud). The task's turns, one container: an edit (pushed as the bootstrap identity),
 * a follow-up that continues the conversation, then the failures — a Claude API error, max_minutes,
 * a rejected push — each a clear result. scripts/test.ts sets BERTH_TEST_DOCKER_HOST and
 * BERTH_WORKSPACE_IMAGE (run alone: the engine's socket and `docker images berth-workspace`); the
 * compiled agent comes from `bun run scripts/build.ts`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { agentPaths } from "../../src/config.ts";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { taskControlPlane, waitFor } from "./support.ts";

const dockerHost = process.env.BERTH_TEST_DOCKER_HOST;
const image = process.env.BERTH_WORKSPACE_IMAGE;
const agentBinary = resolve(import.meta.dir, "../../dist/berth-agent-linux-x64");
const devcontainerBin = resolve(import.meta.dir, "../../../local-cloud/node_modules/.bin");
const KEY = "sk-ant-task-devcontainer-5d1f3b7a9c";
const TASK_ID = "tsk_dc1";
const BRANCH = `berth/${TASK_ID}`;
const identity = { user_name: "Alice Liddell", user_email: "7+alice@users.noreply.github.com" };
const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
const env = {
  ...(process.env as Record<string, string>),
  PATH: `${devcontainerBin}:${process.env.PATH}`,
  DOCKER_HOST: dockerHost ?? "",
  DEFAULT_DEVCONTAINER_IMAGE: image ?? "",
};

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

interface Cloud {
  urls: { github: string; anthropic: string };
  githubApp: { git: { dir(owner: string, name: string): string } };
  stop(): Promise<void>;
}

/** local-cloud (GitHub with alice/private-notes and the App, Anthropic) on ephemeral ports. */
async function standIns(): Promise<Cloud> {
  const mod = (await import(resolve(import.meta.dir, "../../../local-cloud/src/index.ts"))) as {
    startLocalCloud(o: Record<string, unknown>): Promise<Cloud>;
  };
  return mod.startLocalCloud({ hetznerPort: 0, cloudflarePort: 0, githubPort: 0, anthropicPort: 0 });
}

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

async function post(url: string, body: unknown) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

/** This file's containers and the per-folder uid images the devcontainer CLI builds. */
async function removeContainersUnder(roots: string[]) {
  const all = await runCommand(
    ["docker", "ps", "-a", "--format", '{{.ID}} {{.Image}} {{.Label "devcontainer.local_folder"}}'],
    { env },
  );
  for (const line of all.stdout.split("\n").filter(Boolean)) {
    const [id = "", img = "", folder = ""] = line.split(" ");
    if (!roots.some((r) => folder.startsWith(`${r}/`))) continue;
    await runCommand(["docker", "rm", "-f", id], { env });
    if (/^vsc-.*-uid$/.test(img)) await runCommand(["docker", "image", "rm", img], { env });
  }
}

describe.skipIf(!dockerHost || !image || !existsSync(agentBinary))("a task, real devcontainer", () => {
  test("Claude edits through tool calls, the branch is pushed as the person, a follow-up continues; API error, max_minutes and a rejected push each end the turn clearly", async () => {
    const cloud = await standIns();
    cleanups.push(() => cloud.stop());
    const root = await tempDir("berth-task-dc-real-", dirs);
    cleanups.push(() => removeContainersUnder([root]));
    const dataDir = join(root, "data");
    const folder = `/workspaces/${agentPaths(dataDir).workspaceDir.split("/").pop()}`;
    const spec = {
      id: TASK_ID,
      prompt: "Greet the world in README.md.",
      branch: BRANCH,
      base_branch: "main",
      max_minutes: 30,
      permission_mode: "acceptEdits",
      commit_and_push: true,
    };
    // App tokens come from the GitHub stand-in, as the control plane mints them; `readOnly`
    // (the last case) makes new ones without contents:write.
    const mode = { readOnly: false };
    const mint = async () => {
      const t = await post(`${cloud.urls.github}/__berth/tokens`, {
        account: "alice",
        repositories: ["private-notes"],
        ...(mode.readOnly ? { permissions: { contents: "read", metadata: "read" } } : {}),
      });
      return Response.json({
        username: "x-access-token",
        password: t.token,
        expires_at: t.expires_at,
        repository: "alice/private-notes",
        origin: cloud.urls.github,
      });
    };
    const cp = taskControlPlane({
      routes: {
        bootstrap: () =>
          Response.json({
            callback_token: "cb_0123456789abcdefghijklmnop",
            claude_api_key: KEY,
            git: { repository: "alice/private-notes", origin: cloud.urls.github, ...identity },
            task: spec,
          }),
        "git-credentials": mint,
        messages: () => Response.json({ task_id: TASK_ID, messages: cp.messages }),
      },
    });
    cleanups.push(cp.stop);
    const script = (steps: unknown[]) => post(`${cloud.urls.anthropic}/__berth/anthropic/script`, { steps });
    const mainRequests = async () =>
      (
        (await (await fetch(`${cloud.urls.anthropic}/__berth/anthropic/requests`)).json()) as Array<{
          kind: string;
          messageCount: number;
          lastUserText: string | null;
          userTexts: string[];
        }>
      ).filter((r) => r.kind === "main");
    const resultOf = (turn: number) =>
      waitFor(`turn ${turn}'s result`, () => cp.results().find((r) => r.turn === turn), 300_000);
    const followUp = (seq: number, text: string) =>
      cp.messages.push({ seq, text, at: new Date().toISOString() });

    await script([
      { text: "Reading the README first.", tool: "Read", input: { file_path: `${folder}/README.md` } },
      {
        tool: "Edit",
        input: {
          file_path: `${folder}/README.md`,
          old_string: "# private-notes",
          new_string: "# Hello, world",
        },
      },
      { text: "README.md now greets the world." },
    ]);
    await mkdir(join(root, "etc"));
    const configPath = join(root, "etc", "agent.json");
    const config = testConfig(dataDir, {
      control_plane_url: cp.url,
      repo_url: `${cloud.urls.github}/alice/private-notes.git`,
      anthropic_base_url: cloud.urls.anthropic,
    });
    await writeFile(configPath, JSON.stringify(config));
    const lines: string[] = [];
    const agent = await serve({
      configPath,
      startHttpServer: noTerminal,
      env,
      agentBinary,
      log: (m) => lines.push(m),
      // A "minute" of max_minutes is 2 s: 60 s a turn, ample for a scripted one on a loaded machine.
      task: { pollMs: 200, eventIntervalMs: 200, minuteMs: 2000 },
    });
    cleanups.push(() => agent.stop());
    expect(agent.boot.runtime).toBe("devcontainer");
    const bare = cloud.githubApp.git.dir("alice", "private-notes");
    const show = async (ref: string) => (await runCommand(["git", "show", ref], { cwd: bare, env })).stdout;
    const author = async () =>
      (
        await runCommand(["git", "log", "-1", "--format=%an <%ae>", BRANCH], { cwd: bare, env })
      ).stdout.trim();

    // ---- turn 0: Read, Edit, a final text; committed and pushed as the person ----
    const r0 = await resultOf(0);
    expect(r0).toMatchObject({
      task_id: TASK_ID,
      outcome: "succeeded",
      branch: BRANCH,
      commits: 1,
      pushed: true,
      summary: "README.md now greets the world.",
    });
    expect(await show(`${BRANCH}:README.md`)).toStartWith("# Hello, world\n");
    expect(await author()).toBe(`${identity.user_name} <${identity.user_email}>`);
    expect(r0.head_sha).toBe(
      (await runCommand(["git", "rev-parse", BRANCH], { cwd: bare, env })).stdout.trim(),
    );
    const turn0 = cp.events().filter((e) => e.turn === 0);
    const kinds = turn0.map((e) =>
      e.kind === "tool_call" ? `tool_call:${e.tool}:${e.input_summary}` : e.kind,
    );
    expect(kinds[0]).toBe("turn_started");
    expect(kinds).toContain("tool_call:Read:README.md");
    expect(kinds).toContain("tool_call:Edit:README.md");
    expect(turn0.filter((e) => e.kind === "tool_result" && e.tool === "Edit" && !e.is_error)).toHaveLength(1);
    expect(turn0.flatMap((e) => (e.kind === "files_changed" ? (e.files as unknown[]) : []))).toContainEqual({
      path: "README.md",
      change: "modified",
    });
    expect(turn0.find((e) => e.kind === "usage")?.tokens).toBeDefined();
    expect(turn0.at(-1)).toMatchObject({ kind: "turn_finished", text: "succeeded" });
    expect((await mainRequests())[0]?.lastUserText).toBe(spec.prompt);

    // ---- turn 1: a follow-up continues the conversation on the same branch ----
    const before = (await mainRequests()).length;
    await script([
      { tool: "Write", input: { file_path: `${folder}/NOTES.md`, content: "Follow-up notes.\n" } },
      { text: "Added NOTES.md." },
    ]);
    // The token the agent holds dies meanwhile (revoked on GitHub): the push gets a fresh one.
    const minted = cp.of("git-credentials").length;
    await post(`${cloud.urls.github}/__berth/tokens/revoke`, {});
    followUp(1, "Now add NOTES.md too.");
    const r1 = await resultOf(1);
    expect(r1).toMatchObject({ outcome: "succeeded", commits: 2, pushed: true, summary: "Added NOTES.md." });
    expect(await show(`${BRANCH}:NOTES.md`)).toBe("Follow-up notes.\n");
    expect(cp.of("git-credentials").length).toBe(minted + 1);
    expect(await show(`${BRANCH}:README.md`)).toStartWith("# Hello, world\n");
    const continued = (await mainRequests()).slice(before)[0];
    expect(continued?.lastUserText).toBe("Now add NOTES.md too.");
    // The earlier conversation went with it: the first prompt, and more than a fresh question.
    expect(continued?.userTexts).toContain(spec.prompt);
    expect(continued?.messageCount).toBeGreaterThanOrEqual(3);

    // ---- turn 2: the API refuses; Claude exits non-zero with the error ----
    await script([
      { error: { status: 400, type: "invalid_request_error", message: "the test refuses this request" } },
    ]);
    followUp(2, "Do something the API refuses.");
    const r2 = await resultOf(2);
    expect(r2).toMatchObject({ outcome: "failed", commits: 2, pushed: true });
    expect(r2.reason).toBe("Claude API error 400: the test refuses this request");
    // The timeline says so once: no usage line of zeros for a turn that used nothing.
    expect(
      cp
        .events()
        .filter((e) => e.turn === 2)
        .map((e) => `${e.kind}: ${e.text}`),
    ).toEqual([
      "turn_started: Do something the API refuses.",
      "error: API Error: 400 the test refuses this request",
      "turn_finished: failed: Claude API error 400: the test refuses this request",
    ]);

    // ---- turn 3: the model never answers; max_minutes kills the turn and every process in it ----
    await script([{ text: "Too late.", delayMs: 10 * 60_000 }]);
    followUp(3, "Think for a very long time.");
    const r3 = await resultOf(3);
    expect(r3).toMatchObject({ outcome: "failed", reason: "max_minutes reached", commits: 2, pushed: true });
    // killCommand is `docker exec -u root <container> …`: no claude is left in that container.
    const container = agent.boot.task.killCommand[4] ?? "";
    // (No pgrep in the image: every command line, and "[c]laude" so the search does not find itself.)
    const everyProcess =
      "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done | grep -c '[c]laude'";
    const claudes = await runCommand(["docker", "exec", container, "sh", "-c", everyProcess], { env });
    expect(claudes.stdout.trim()).toBe("0");

    // ---- turn 4: the edit is committed, but the push is refused (fresh tokens lack contents:write) ----
    mode.readOnly = true;
    await post(`${cloud.urls.github}/__berth/tokens/revoke`, {});
    await script([
      { tool: "Write", input: { file_path: `${folder}/LATE.md`, content: "Not pushed.\n" } },
      { text: "Added LATE.md." },
    ]);
    followUp(4, "Add LATE.md.");
    const r4 = await resultOf(4);
    expect(r4).toMatchObject({ outcome: "failed", commits: 3, pushed: false });
    expect(String(r4.reason)).toStartWith(
      "git push failed: remote: Permission to alice/private-notes.git denied",
    );
    expect((await runCommand(["git", "rev-parse", BRANCH], { cwd: bare, env })).stdout.trim()).toBe(
      String(r1.head_sha),
    );
  }, 900_000);
});
