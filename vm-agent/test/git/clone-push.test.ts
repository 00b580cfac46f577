/**
 * The whole credential path with real parts: git (clone, push, ls-remote) runs the real
 * `berth-agent git-credential`, which asks the agent's socket, whose tokens come from a fake control
 * plane; the git server (git http-backend) demands exactly those tokens.
 */
import { afterEach, expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { cloneRepo } from "../../src/boot/repo.ts";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { gitCredentialHandler, gitCredentialKind } from "../../src/git/channel.ts";
import { cloneConfigArgs, gitConfigEntries, gitConfigEnv, helperValue } from "../../src/git/setup.ts";
import { readGitStatus } from "../../src/git/status.ts";
import { createGitTokens } from "../../src/git/tokens.ts";
import { startHookServer } from "../../src/hooks/server.ts";
import { git, makeRepo, removeAll, tempDir } from "../boot/helpers.ts";
import { bareRepo, filesContaining, gitHub, tokenPrefix, watchProcesses } from "./support.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const cli = join(import.meta.dir, "../../src/cli.ts");

async function run(argv: string[], cwd: string, env: Record<string, string>) {
  const r = await runCommand(argv, { cwd, env, timeoutMs: 60_000 });
  return r;
}

test("clone and push a private repo through the helper; tokens refresh, stay in scope, never touch argv or disk", async () => {
  const root = await tempDir("berth-gitcred-", dirs);
  const clock = { now: Date.now() };
  const gh = await gitHub(root, { repository: "octo/private", clock });
  cleanups.push(gh.stop);
  const work = await makeRepo(root);
  const bare = await bareRepo(root, work, "octo/private");
  await bareRepo(root, work, "octo/other");

  // The agent's half: its socket, the token cache, the control-plane client.
  const dataDir = join(root, "data");
  const wsGit = {
    repository: "octo/private",
    origin: gh.origin,
    user_name: "Octo Cat",
    user_email: "1+octo@users.noreply.github.com",
  };
  const client = createControlPlaneClient({ baseUrl: gh.cp.url, workspaceId: "ws1" });
  client.setCallbackToken("cb_0123456789abcdefghijklmnop");
  const tokens = createGitTokens({
    git: wsGit,
    fetchToken: (r) => client.gitCredentials(r),
    now: () => clock.now,
  });
  const hooks = await startHookServer(join(dataDir, "run", "agent.sock"), () => {}, undefined, {
    [gitCredentialKind]: gitCredentialHandler(wsGit, tokens),
  });
  cleanups.push(() => hooks.stop());
  const helper = helperValue([process.execPath, cli], hooks.path);
  const env = {
    ...(process.env as Record<string, string>),
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
  };
  const watch = watchProcesses(tokenPrefix);
  cleanups.push(() => watch.stop());
  // The watcher does see a token on a command line (so its silence below means something).
  const control = Bun.spawn(["sh", "-c", "sleep 5", `${tokenPrefix}control`]);
  for (let i = 0; watch.hits.length === 0; i++) {
    if (i > 1000) throw new Error("the process watcher never saw the control token");
    await Bun.sleep(10);
  }
  control.kill();
  await control.exited;
  watch.hits.length = 0;

  // Without the helper the private repo cannot be cloned at all.
  const bare401 = await run(
    ["git", "clone", "-q", `${gh.origin}/octo/private.git`, join(root, "nope")],
    root,
    env,
  );
  expect(bare401.code).not.toBe(0);

  // Boot's clone: the helper in -c options, no token anywhere on its command line.
  const dir = join(dataDir, "workspace");
  const argvs: string[][] = [];
  await cloneRepo({
    run: (argv, o) => {
      argvs.push(argv);
      return runCommand(argv, o);
    },
    env,
    repoUrl: `${gh.origin}/octo/private.git`,
    branch: null,
    dir,
    gitConfig: cloneConfigArgs(wsGit, helper),
    report: () => {},
  });
  expect(await readFile(join(dir, "README.md"), "utf8")).toBe("hello\n");
  expect(gh.minted).toHaveLength(1);
  expect(JSON.stringify(argvs)).not.toContain(tokenPrefix);
  expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toContain(tokenPrefix);

  // The terminal (host runtime): helper and identity come from git config in its environment.
  const shellEnv = { ...env, ...gitConfigEnv(gitConfigEntries(wsGit, helper), env) };
  await git(dir, "checkout", "-q", "-b", "topic");
  await writeFile(join(dir, "work.txt"), "done\n");
  expect((await run(["git", "add", "work.txt"], dir, shellEnv)).code).toBe(0);
  expect((await run(["git", "commit", "-q", "-m", "work"], dir, shellEnv)).code).toBe(0);
  expect(await readGitStatus(runCommand, dir)).toEqual({ branch: "topic", ahead: 1, pushed: false });

  // The first token has expired: the push gets a fresh one without anyone noticing.
  clock.now += 3600_000;
  const push = await run(["git", "push", "-q", "-u", "origin", "topic"], dir, shellEnv);
  expect(push.stderr).toBe("");
  expect(push.code).toBe(0);
  expect(gh.minted).toHaveLength(2);
  const pushAuth = gh.server.requests.filter((r) => r.path.endsWith("git-receive-pack") && r.status === 200);
  expect(pushAuth.map((r) => r.password)).toEqual([gh.minted[1]?.password ?? "?"]);
  expect((await run(["git", "log", "-1", "--format=%an <%ae>|%s", "topic"], bare, env)).stdout.trim()).toBe(
    "Octo Cat <1+octo@users.noreply.github.com>|work",
  );
  expect(await readGitStatus(runCommand, dir)).toEqual({ branch: "topic", ahead: 1, pushed: true });

  // The token reaches only its repository (the server's rule; the helper hands it to the host).
  const other = await run(["git", "ls-remote", `${gh.origin}/octo/other.git`], dir, shellEnv);
  expect(other.code).not.toBe(0);

  // Revoked: git fails at once, with Berth's message in the terminal.
  gh.revoked.on = true;
  clock.now += 3600_000;
  await writeFile(join(dir, "more.txt"), "more\n");
  await run(["git", "add", "more.txt"], dir, shellEnv);
  await run(["git", "commit", "-q", "-m", "more"], dir, shellEnv);
  const denied = await run(["git", "push", "-q", "origin", "topic"], dir, shellEnv);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain(
    "Berth: the GitHub App no longer has access to octo/private: The installation was suspended by octo.",
  );

  await watch.stop();
  expect(watch.scans).toBeGreaterThan(3);
  expect(watch.hits).toEqual([]);
  for (const t of gh.minted) {
    expect(await filesContaining(dataDir, t.password)).toEqual([]);
    expect(await filesContaining(root, t.password)).toEqual([]);
  }
}, 120_000);
