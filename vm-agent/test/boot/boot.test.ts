import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BootError, bootWorkspace } from "../../src/boot/boot.ts";
import { agentPaths } from "../../src/config.ts";
import { fakeBin, git, makeRepo, removeAll, tempDir, testConfig } from "./helpers.ts";

const dirs: string[] = [];
afterEach(() => removeAll(dirs));

const userSecretValue = "postgres://u:it's-Zq9@db/x";
const secrets = {
  callback_token: "cb_0123456789abcdefghijklmnop",
  claude_api_key: "sk-ant-test",
  // A reserved name never reaches the environment, even if a control plane sent one.
  user_secrets: { DATABASE_URL: userSecretValue, BERTH_AGENT_SOCKET: "/tmp/evil.sock" },
};

async function setup(dockerExit: number) {
  const root = await tempDir("berth-boot-", dirs);
  const repo = await makeRepo(root);
  const bin = join(root, "bin");
  // A fake docker decides the runtime, whatever this machine has.
  await fakeBin(bin, "docker", `exit ${dockerExit}`);
  const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };
  const lines: string[] = [];
  const dataDir = join(root, "data");
  return {
    root,
    repo,
    bin,
    env,
    lines,
    dataDir,
    paths: agentPaths(dataDir),
    report: (step: string, message: string) => lines.push(`${step}: ${message}`),
  };
}

describe("boot, host runtime (no Docker engine)", () => {
  test("clones a real repo and runs the shell on the host", async () => {
    const s = await setup(1);
    const r = await bootWorkspace({
      config: testConfig(s.dataDir, { repo_url: s.repo }),
      secrets,
      paths: s.paths,
      agentCommand: ["/opt/berth-agent"],
      agentBinary: null,
      report: s.report,
      env: s.env,
    });
    expect(r.runtime).toBe("host");
    expect(await readFile(join(s.paths.workspaceDir, "README.md"), "utf8")).toBe("hello\n");
    expect(r.shell.command).toEqual(["bash", "-l"]);
    expect(r.shell.cwd).toBe(s.paths.workspaceDir);
    expect(r.shell.env.BERTH_AGENT_SOCKET).toBe(s.paths.socketPath);
    expect(r.shell.env.CLAUDE_CONFIG_DIR).toBe(s.paths.claudeConfigDir);
    expect(r.shell.env.ANTHROPIC_API_KEY).toBe("sk-ant-test");
    expect(s.lines).toContain("runtime: no Docker engine: running the shell on the host");
    expect(s.lines[0]).toBe(`clone: Cloning ${s.repo}`);
    const settings = JSON.parse(await readFile(join(s.paths.claudeConfigDir, "settings.json"), "utf8"));
    expect(settings.hooks.Stop[0].hooks[0].command).toBe("/opt/berth-agent hook Stop");
    // No secret in any progress line.
    expect(s.lines.join("\n")).not.toContain("sk-ant-test");

    // Restart: the clone (and any work in it) is kept.
    s.lines.length = 0;
    await bootWorkspace({
      config: testConfig(s.dataDir, { repo_url: s.repo }),
      secrets,
      paths: s.paths,
      agentCommand: ["/opt/berth-agent"],
      agentBinary: null,
      report: s.report,
      env: s.env,
    });
    expect(s.lines[0]).toBe(`clone: Using the existing clone of ${s.repo}`);
  });

  test("clones the configured branch", async () => {
    const s = await setup(1);
    await bootWorkspace({
      config: testConfig(s.dataDir, { repo_url: s.repo, branch: "feature" }),
      secrets: { ...secrets, claude_api_key: null },
      paths: s.paths,
      agentCommand: ["/opt/berth-agent"],
      agentBinary: null,
      report: s.report,
      env: s.env,
    });
    expect(existsSync(join(s.paths.workspaceDir, "FEATURE.md"))).toBe(true);
    expect(s.lines.some((l) => l.includes("No Claude API key"))).toBe(true);
  });

  test("a failed clone is a BootError without credentials in it", async () => {
    const s = await setup(1);
    const url = "https://user:hunter2@127.0.0.1:1/nope.git";
    const err = await bootWorkspace({
      config: testConfig(s.dataDir, { repo_url: url }),
      secrets,
      paths: s.paths,
      agentCommand: ["/opt/berth-agent"],
      agentBinary: null,
      report: s.report,
      env: s.env,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.step).toBe("clone");
    expect(`${err.message}\n${s.lines.join("\n")}`).not.toContain("hunter2");
  });
});

// The real devcontainer path runs in devcontainer-real.test.ts; these fakes stand for what this
// machine cannot do: registries (pulls, features) and failures on demand.
describe("boot, devcontainer runtime (fake docker and devcontainer: registries and failures)", () => {
  /** Logs each call; `exec` runs the command on the host with HOME pointing at a fake home. */
  const fakeDevcontainer = `
cmd=$1; shift
echo "devcontainer $cmd $*" >> "$FAKE_LOG"
if [ "$cmd" = exec ]; then
  while [ $# -gt 0 ]; do case "$1" in --workspace-folder|--config) shift 2;; *) break;; esac; done
  HOME="$FAKE_HOME" exec "$@"
fi
if [ "$cmd" = read-configuration ]; then
  echo "{\\"configuration\\":{\\"image\\":\\"\${FAKE_IMAGE:-mcr.microsoft.com/devcontainers/base:bookworm}\\"}}"; exit 0
fi
if [ -n "$FAKE_UP_FAIL" ]; then echo "container start failed" >&2; exit 1; fi
echo '{"outcome":"success","containerId":"0123456789abcdef","remoteUser":"vscode","remoteWorkspaceFolder":"/workspaces/workspace"}'`;
  const fakeDocker = `
echo "docker $*" >> "$FAKE_LOG"
case "$1 $2" in
  "image inspect") [ -z "$FAKE_IMAGE_MISSING" ];;
  "pull --quiet") if [ -n "$FAKE_PULL_FAIL" ]; then echo "manifest unknown" >&2; exit 1; fi;;
  "exec -u") if [ "$7" = "id -u; id -g" ]; then printf '1000\\n1000\\n'; fi;;
  *) exit 0;;
esac`;

  async function devSetup(extra: Record<string, string> = {}) {
    const s = await setup(0);
    await fakeBin(s.bin, "devcontainer", fakeDevcontainer);
    await fakeBin(s.bin, "docker", fakeDocker);
    const log = join(s.root, "calls.log");
    const home = join(s.root, "home");
    const env = { ...s.env, FAKE_LOG: log, FAKE_HOME: home, ...extra };
    const boot = (agentBinary: string | null = "/opt/berth-agent") =>
      bootWorkspace({
        config: testConfig(s.dataDir, { repo_url: s.repo, anthropic_base_url: "http://127.0.0.1:8704" }),
        secrets,
        paths: s.paths,
        agentCommand: ["/opt/berth-agent"],
        agentBinary,
        report: s.report,
        env,
      });
    const calls = async () => (await readFile(log, "utf8")).trim().split("\n");
    return { ...s, home, boot, calls };
  }

  test("production default: pulls the image, adds Claude Code as a feature, key only in a 0600 env file", async () => {
    const s = await devSetup({ FAKE_IMAGE_MISSING: "1" });
    const r = await s.boot();
    expect(r.runtime).toBe("devcontainer");
    const dc = JSON.parse(
      await readFile(join(s.paths.workspaceDir, ".devcontainer/devcontainer.json"), "utf8"),
    );
    expect(dc.image).toBe("mcr.microsoft.com/devcontainers/base:bookworm");
    expect(Object.keys(dc.features)).toContain("ghcr.io/anthropics/devcontainer-features/claude-code:1");
    // The default config does not show up as an untracked change.
    expect((await git(s.paths.workspaceDir, "-c", "safe.directory=*", "status", "--porcelain")).trim()).toBe(
      "",
    );

    const calls = await s.calls();
    expect(calls).toContain("docker pull --quiet mcr.microsoft.com/devcontainers/base:bookworm");
    expect(calls.find((c) => c.startsWith("devcontainer up"))).toBe(
      `devcontainer up --workspace-folder ${s.paths.workspaceDir} --skip-post-create --additional-features {"ghcr.io/anthropics/devcontainer-features/claude-code:1":{}} ` +
        `--mount type=bind,source=${s.paths.runDir},target=/run/berth --mount type=bind,source=/opt/berth-agent,target=/usr/local/bin/berth-agent`,
    );
    // The container's user (not root) owns the env file inside the container.
    expect(calls).toContain("docker exec -u root 0123456789abcdef chown vscode /run/berth/workspace.env");
    // And the workspace folder (the agent cloned it as root), before the lifecycle commands run.
    if (process.getuid?.() === 0) {
      expect((await stat(join(s.paths.workspaceDir, "README.md"))).uid).toBe(1000);
      expect(s.lines).toContain("container: The workspace folder belongs to vscode (uid 1000)");
    }
    const ids = calls.indexOf("docker exec -u vscode 0123456789abcdef sh -c id -u; id -g");
    const lifecycle = calls.indexOf(
      `devcontainer run-user-commands --workspace-folder ${s.paths.workspaceDir}`,
    );
    expect(ids).toBeGreaterThan(calls.findIndex((c) => c.startsWith("devcontainer up")));
    expect(lifecycle).toBeGreaterThan(ids);
    const settings = JSON.parse(await readFile(join(s.home, ".claude/settings.json"), "utf8"));
    expect(settings.hooks.PreToolUse[0]).toEqual({
      matcher: "*",
      hooks: [{ type: "command", command: "/usr/local/bin/berth-agent hook PreToolUse", timeout: 5 }],
    });
    // Claude Code starts without first-run questions: onboarding, the key, trusting the folder.
    const state = JSON.parse(await readFile(join(s.home, ".claude.json"), "utf8"));
    expect(state).toMatchObject({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: ["sk-ant-test"] },
      projects: { "/workspaces/workspace": { hasTrustDialogAccepted: true } },
    });
    expect((await stat(join(s.home, ".claude.json"))).mode & 0o777).toBe(0o600);
    const envFile = join(s.paths.runDir, "workspace.env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, "utf8")).toBe(
      "DATABASE_URL='postgres://u:it'\\''s-Zq9@db/x'\n" +
        "BERTH_AGENT_SOCKET='/run/berth/agent.sock'\nANTHROPIC_API_KEY='sk-ant-test'\n" +
        "ANTHROPIC_BASE_URL='http://127.0.0.1:8704'\nCLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC='1'\n",
    );
    expect(r.shell.command.slice(0, 4)).toEqual([
      "devcontainer",
      "exec",
      "--workspace-folder",
      s.paths.workspaceDir,
    ]);
    expect(r.shell.command.slice(-2)).toEqual(["bash", "-l"]);
    // No command line the agent ran, and no progress line, carries the key.
    expect([...calls, ...r.shell.command, ...s.lines].join("\n")).not.toContain("sk-ant-test");
    expect([...calls, ...r.shell.command, ...s.lines].join("\n")).not.toContain("Zq9");
    expect(s.lines).toContain("image: Pulled mcr.microsoft.com/devcontainers/base:bookworm in 0 s");
    expect(s.lines.some((l) => l.startsWith("container: Container 0123456789ab up in"))).toBe(true);
    expect(s.lines).toContain("claude: Claude Code hooks installed (devcontainer)");

    // A restart of the environment: the file is replaced whole, given to the container's user first.
    await r.applySecrets({ ...secrets, user_secrets: { API_TOKEN: "rotated-Pw8" } });
    expect(await s.calls()).toContain(
      "docker exec -u root 0123456789abcdef chown vscode /run/berth/workspace.env.next",
    );
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, "utf8")).toStartWith(
      "API_TOKEN='rotated-Pw8'\nBERTH_AGENT_SOCKET='/run/berth/agent.sock'\nANTHROPIC_API_KEY='sk-ant-test'\n",
    );
    expect((await readdir(s.paths.runDir)).filter((f) => f.startsWith("workspace.env"))).toEqual([
      "workspace.env",
    ]);
  });

  test("an App repo: git in the container gets the helper, the identity and gh, as root", async () => {
    const s = await devSetup();
    const git = {
      repository: "octo/private",
      origin: "https://github.com",
      user_name: "Octo Cat",
      user_email: "1+octo@users.noreply.github.com",
    };
    await bootWorkspace({
      config: testConfig(s.dataDir, { repo_url: s.repo }),
      secrets: { ...secrets, git },
      paths: s.paths,
      agentCommand: ["/opt/berth-agent"],
      agentBinary: "/opt/berth-agent",
      report: s.report,
      env: { ...s.env, FAKE_LOG: join(s.root, "calls.log"), FAKE_HOME: s.home },
    });
    const log = await readFile(join(s.root, "calls.log"), "utf8");
    expect(log).toContain("docker exec -u root 0123456789abcdef sh -c set -e\ncommand -v git");
    expect(log).toContain(
      "sh https://github.com !/usr/local/bin/berth-agent git-credential --socket /run/berth/agent.sock Octo Cat 1+octo@users.noreply.github.com /workspaces/workspace",
    );
    expect(s.lines).toContain(
      "git: Credentials for https://github.com come from berth-agent; commits by Octo Cat",
    );
    expect(s.lines).toContain("git: gh: authenticated with the workspace's token");
  });

  test("a repo's own devcontainer in a subfolder is used with --config", async () => {
    const s = await devSetup({ FAKE_IMAGE: "python:3" });
    await mkdir(join(s.repo, ".devcontainer", "python"), { recursive: true });
    await writeFile(join(s.repo, ".devcontainer", "python", "devcontainer.json"), '{"image":"python:3"}');
    await git(s.repo, "add", ".");
    await git(s.repo, "commit", "-q", "-m", "dc");
    await s.boot(null);
    const up = (await s.calls()).find((c) => c.startsWith("devcontainer up")) ?? "";
    expect(up).toContain(`--config ${join(s.paths.workspaceDir, ".devcontainer/python/devcontainer.json")}`);
    expect(existsSync(join(s.paths.workspaceDir, ".devcontainer/devcontainer.json"))).toBe(false);
    expect(s.lines).toContain("image: Image python:3 is on this machine");
  });

  test("an image that cannot be pulled fails the boot at the image step, before devcontainer up", async () => {
    const s = await devSetup({ FAKE_IMAGE_MISSING: "1", FAKE_PULL_FAIL: "1" });
    const err = await s.boot().catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.step).toBe("image");
    expect(err.message).toContain(
      "Image mcr.microsoft.com/devcontainers/base:bookworm is not available on this machine and pulling it failed: manifest unknown",
    );
    expect((await s.calls()).some((c) => c.startsWith("devcontainer up"))).toBe(false);
  });

  test("devcontainer up failing is a BootError with its output", async () => {
    const s = await devSetup({ FAKE_UP_FAIL: "1" });
    const err = await s.boot(null).catch((e) => e);
    expect(err).toBeInstanceOf(BootError);
    expect(err.step).toBe("container");
    expect(err.message).toContain("container start failed");
  });
});
