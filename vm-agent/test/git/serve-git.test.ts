/** `serve` with an App repo: bootstrap's `git` reaches the clone, the terminal and the heartbeat. */
import { afterEach, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { fakeBin, makeRepo, removeAll, tempDir, testConfig } from "../boot/helpers.ts";
import { bareRepo, filesContaining, gitHub } from "./support.ts";

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

test("a private App repo: cloned at boot, pushed from the terminal's environment, reported in heartbeats", async () => {
  const root = await tempDir("berth-servegit-", dirs);
  const clock = { now: Date.now() };
  const identity = { user_name: "Octo Cat", user_email: "1+octo@users.noreply.github.com" };
  let origin = "";
  const gh = await gitHub(root, {
    repository: "octo/private",
    clock,
    routes: {
      bootstrap: () =>
        Response.json({
          callback_token: "cb_0123456789abcdefghijklmnop",
          claude_api_key: null,
          git: { repository: "octo/private", origin, ...identity },
        }),
    },
  });
  origin = gh.origin;
  cleanups.push(gh.stop);
  const bare = await bareRepo(root, await makeRepo(root), "octo/private");

  const bin = join(root, "bin");
  await fakeBin(bin, "docker", "exit 1");
  await mkdir(join(root, "etc"));
  const configPath = join(root, "etc", "agent.json");
  const config = testConfig(join(root, "data"), {
    control_plane_url: gh.cp.url,
    repo_url: `${gh.origin}/octo/private.git`,
    heartbeat_interval_seconds: 1,
  });
  await writeFile(configPath, JSON.stringify(config));
  const env = {
    ...(process.env as Record<string, string>),
    PATH: `${bin}:${process.env.PATH}`,
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const agent = await serve({ configPath, startHttpServer: noTerminal, env, tickMs: 50, log: () => {} });
  cleanups.push(() => agent.stop());
  expect(agent.boot.runtime).toBe("host");
  expect(gh.minted).toHaveLength(1);
  const steps = gh.cp.of("progress").map((r) => (r.body as { message: string }).message);
  expect(steps).toContain(`Credentials for ${gh.origin} come from berth-agent (host); commits by Octo Cat`);

  // What the person does in the terminal: commit on a branch and push it.
  const shell = { ...agent.boot.shell.env, GIT_TERMINAL_PROMPT: "0" };
  const dir = agent.boot.workspaceDir;
  for (const argv of [
    ["git", "checkout", "-q", "-b", "topic"],
    ["sh", "-c", "echo work > work.txt && git add work.txt && git commit -q -m work"],
    ["git", "push", "-q", "-u", "origin", "topic"],
  ]) {
    const r = await runCommand(argv, { cwd: dir, env: shell, timeoutMs: 60_000 });
    expect(`${argv.join(" ")}: ${r.code} ${r.stderr}`).toBe(`${argv.join(" ")}: 0 `);
  }
  const author = await runCommand(["git", "log", "-1", "--format=%an <%ae>", "topic"], { cwd: bare, env });
  expect(author.stdout.trim()).toBe("Octo Cat <1+octo@users.noreply.github.com>");

  // The dashboard learns the branch is pushed and one commit ahead of main.
  const pushedBeat = async () =>
    gh.cp
      .of("heartbeat")
      .some(
        (r) =>
          JSON.stringify((r.body as { git?: unknown }).git) === '{"branch":"topic","ahead":1,"pushed":true}',
      );
  for (let i = 0; !(await pushedBeat()); i++) {
    if (i > 300)
      throw new Error(
        `no heartbeat with the pushed branch: ${JSON.stringify(gh.cp.of("heartbeat").at(-1)?.body)}`,
      );
    await Bun.sleep(50);
  }
  await agent.stop();
  for (const t of gh.minted) expect(await filesContaining(root, t.password)).toEqual([]);
}, 120_000);
