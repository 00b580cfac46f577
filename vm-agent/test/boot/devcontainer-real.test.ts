// The devcontainer runtime for real: the project's Docker engine, the devcontainer CLI and local
// mode's workspace image (scripts/test.ts starts the engine, builds the image and sets
// BERTH_TEST_DOCKER_HOST and BERTH_WORKSPACE_IMAGE; without them this file has nothing to run
// against). Other tests never see the engine: their agents keep the host runtime.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BootError, bootWorkspace } from "../../src/boot/boot.ts";
import { runCommand } from "../../src/boot/exec.ts";
import { agentPaths } from "../../src/config.ts";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { gitCredentialHandler, gitCredentialKind } from "../../src/git/channel.ts";
import { createGitTokens } from "../../src/git/tokens.ts";
import { startHookServer } from "../../src/hooks/server.ts";
import { bareRepo, gitHub, tokenPrefix } from "../git/support.ts";
import { git, makeRepo, removeAll, tempDir, testConfig } from "./helpers.ts";

const dockerHost = process.env.BERTH_TEST_DOCKER_HOST;
const image = process.env.BERTH_WORKSPACE_IMAGE;
const devcontainerBin = resolve(import.meta.dir, "../../../local-cloud/node_modules/.bin");
/** The compiled agent (scripts/test.ts builds it first), mounted into the container for git. */
const agentBinary = resolve(import.meta.dir, "../../dist/berth-agent-linux-x64");
const key = "sk-ant-real-devcontainer-test-5e7b9d1f3a";
const dirs: string[] = [];

afterAll(async () => {
  // The containers of this file's workspaces, then their folders.
  for (const dir of dirs) {
    const ids = await runCommand(
      ["docker", "ps", "-aq", "--filter", `label=devcontainer.local_folder=${join(dir, "data/workspace")}`],
      { env: { ...(process.env as Record<string, string>), DOCKER_HOST: dockerHost ?? "" } },
    );
    const list = ids.stdout.split("\n").filter(Boolean);
    if (list.length > 0) {
      await runCommand(["docker", "rm", "-f", ...list], {
        env: { ...(process.env as Record<string, string>), DOCKER_HOST: dockerHost ?? "" },
      });
    }
  }
  await removeAll(dirs);
});

function commandLinesWith(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(text)) found.push(`${pid}: ${cmd.replaceAll("\0", " ")}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const containerOf = (lines: string[]) =>
  /^container: Container ([0-9a-f]{12}) up/.exec(
    lines.find((l) => l.startsWith("container: Container")) ?? "",
  )?.[1] ?? "";

async function setup(files: Record<string, string> = {}) {
  const root = await tempDir("berth-dc-", dirs);
  const repo = await makeRepo(root);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(repo, name, ".."), { recursive: true });
    await writeFile(join(repo, name), content);
  }
  if (Object.keys(files).length > 0) {
    await git(repo, "add", ".");
    await git(repo, "commit", "-q", "-m", "devcontainer");
  }
  const dataDir = join(root, "data");
  const lines: string[] = [];
  const env = {
    ...(process.env as Record<string, string>),
    PATH: `${devcontainerBin}:${process.env.PATH}`,
    DOCKER_HOST: dockerHost ?? "",
    DEFAULT_DEVCONTAINER_IMAGE: image ?? "",
  };
  const boot = () =>
    bootWorkspace({
      config: testConfig(dataDir, { repo_url: repo, anthropic_base_url: "http://127.0.0.1:8704" }),
      secrets: { callback_token: "cb_0123456789abcdefghijklmnop", claude_api_key: key },
      paths: agentPaths(dataDir),
      agentCommand: ["/opt/berth-agent"],
      agentBinary: null,
      report: (step, message) => lines.push(`${step}: ${message}`),
      env,
    });
  return { boot, lines, env };
}

describe.skipIf(!dockerHost || !image)("boot, real devcontainer (local mode's workspace image)", () => {
  test("the shell runs in the image's container, in the repo's folder, with the key only in its environment", async () => {
    const s = await setup();
    const r = await s.boot();
    expect(r.runtime).toBe("devcontainer");
    expect(s.lines).toContain(`image: Image ${image} is on this machine`);
    expect(s.lines.some((l) => /^container: Container [0-9a-f]{12} up in/.test(l))).toBe(true);
    expect(s.lines).toContain("claude: Claude Code hooks installed (devcontainer)");

    // The terminal's command, with a script in place of the interactive shell.
    const probe = [
      ". /etc/os-release; echo os=$VERSION_CODENAME; echo cwd=$(pwd)",
      "echo base=$ANTHROPIC_BASE_URL quiet=$CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
      'echo key=$(printf %s "$ANTHROPIC_API_KEY" | sha256sum | cut -c1-16)',
      "echo envfile=$(stat -c %a /run/berth/workspace.env); claude --version; sleep 3",
    ].join("; ");
    const command = [...r.shell.command.slice(0, -2), "sh", "-c", probe];
    const running = runCommand(command, { env: s.env, cwd: r.workspaceDir });
    await Bun.sleep(1500);
    const leaked = commandLinesWith(key.slice(-12));
    const out = await running;
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("os=bookworm");
    expect(out.stdout).toContain("cwd=/workspaces/workspace");
    expect(out.stdout).toContain("base=http://127.0.0.1:8704 quiet=1");
    expect(out.stdout).toContain(`key=${createHash("sha256").update(key).digest("hex").slice(0, 16)}`);
    expect(out.stdout).toContain("envfile=600");
    expect(out.stdout).toContain("(Claude Code)");
    expect(leaked).toEqual([]);

    // A restart of the environment: a terminal started after it has the new secrets.
    await r.applySecrets({
      callback_token: "cb_0123456789abcdefghijklmnop",
      claude_api_key: key,
      user_secrets: { API_TOKEN: "rotated-Pw8" },
    });
    const check = "echo token=$API_TOKEN; echo envfile=$(stat -c %a /run/berth/workspace.env)";
    const after = await runCommand([...r.shell.command.slice(0, -2), "sh", "-c", check], {
      env: s.env,
      cwd: r.workspaceDir,
    });
    expect(after.stdout).toContain("token=rotated-Pw8");
    expect(after.stdout).toContain("envfile=600");
  }, 180_000);

  test("a repo's own devcontainer works when its image is on this machine", async () => {
    const s = await setup({
      ".devcontainer/devcontainer.json": JSON.stringify({
        image,
        runArgs: ["--network=host"],
        name: "the repo's own",
      }),
    });
    const r = await s.boot();
    expect(s.lines).toContain("devcontainer: Using the repo's .devcontainer/devcontainer.json");
    const out = await runCommand([...r.shell.command.slice(0, -2), "sh", "-c", "pwd; ls"], { env: s.env });
    expect(out.stdout).toBe("/workspaces/workspace\nREADME.md\n");
    const name = await runCommand(
      ["docker", "inspect", "--format", "{{.Config.Image}}", containerOf(s.lines)],
      {
        env: s.env,
      },
    );
    expect(name.stdout.trim()).toBe(image ?? "");
  }, 180_000);

  test("a repo's own devcontainer naming an image this machine lacks fails at once, saying so", async () => {
    const s = await setup({
      ".devcontainer/devcontainer.json": '{ // the repo\'s own\n "image": "example.invalid/nowhere:1" }\n',
    });
    const err = await s.boot().catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.step).toBe("image");
    expect(err.message).toBe(
      "Image example.invalid/nowhere:1 is not available on this machine (it cannot pull images)",
    );
    expect(s.lines.some((l) => l.startsWith("container:"))).toBe(false);
  }, 120_000);

  test.skipIf(!existsSync(agentBinary))(
    "an App repo: git in the container clones, commits as the person and pushes through the mounted helper",
    async () => {
      const root = await tempDir("berth-dcgit-", dirs);
      const clock = { now: Date.now() };
      const gh = await gitHub(root, { repository: "octo/private", clock });
      const bare = await bareRepo(root, await makeRepo(root), "octo/private");
      const dataDir = join(root, "data");
      const paths = agentPaths(dataDir);
      const wsGit = {
        repository: "octo/private",
        origin: gh.origin,
        user_name: "Octo Cat",
        user_email: "1+octo@users.noreply.github.com",
      };
      const client = createControlPlaneClient({ baseUrl: gh.cp.url, workspaceId: "ws1" });
      client.setCallbackToken("cb_0123456789abcdefghijklmnop");
      const tokens = createGitTokens({ git: wsGit, fetchToken: (r) => client.gitCredentials(r) });
      const hooks = await startHookServer(paths.socketPath, () => {}, undefined, {
        [gitCredentialKind]: gitCredentialHandler(wsGit, tokens),
      });
      const lines: string[] = [];
      const env = {
        ...(process.env as Record<string, string>),
        PATH: `${devcontainerBin}:${process.env.PATH}`,
        DOCKER_HOST: dockerHost ?? "",
        DEFAULT_DEVCONTAINER_IMAGE: image ?? "",
      };
      try {
        const r = await bootWorkspace({
          config: testConfig(dataDir, { repo_url: `${gh.origin}/octo/private.git` }),
          secrets: { callback_token: "cb_0123456789abcdefghijklmnop", claude_api_key: null, git: wsGit },
          paths,
          agentCommand: [agentBinary],
          agentBinary,
          report: (step, message) => lines.push(`${step}: ${message}`),
          env,
        });
        expect(lines).toContain(
          `git: Credentials for ${gh.origin} come from berth-agent; commits by Octo Cat`,
        );
        expect(lines).toContain("git: gh: not configured (it talks to github.com only)");
        const probe = [
          "git checkout -q -b topic",
          "echo work > work.txt",
          "git add work.txt",
          "git commit -q -m work",
          "git push -q -u origin topic",
          "git log -1 --format=author=%an",
        ].join(" && ");
        const running = runCommand([...r.shell.command.slice(0, -2), "sh", "-c", probe], {
          env: { ...env, GIT_TERMINAL_PROMPT: "0" },
          cwd: r.workspaceDir,
          timeoutMs: 120_000,
        });
        const seen: string[] = [];
        let done = false;
        void running.then(() => {
          done = true;
        });
        while (!done) {
          seen.push(...commandLinesWith(tokenPrefix));
          await Bun.sleep(20);
        }
        const out = await running;
        expect(out.stderr).toBe("");
        expect(out.code).toBe(0);
        expect(out.stdout).toContain("author=Octo Cat");
        expect(seen).toEqual([]);
        const pushed = await runCommand(["git", "log", "-1", "--format=%an <%ae>", "topic"], { cwd: bare });
        expect(pushed.stdout.trim()).toBe("Octo Cat <1+octo@users.noreply.github.com>");
        // The clone's token, still in the agent's memory, served the container's push too.
        expect(gh.minted).toHaveLength(1);
      } finally {
        await hooks.stop();
        gh.stop();
      }
    },
    240_000,
  );
});
