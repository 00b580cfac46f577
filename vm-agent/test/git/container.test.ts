import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type RunOptions, type RunResult, runCommand } from "../../src/boot/exec.ts";
import { gitCredentialHandler, gitCredentialKind } from "../../src/git/channel.ts";
import { configureContainerGit } from "../../src/git/container.ts";
import { containerGhScript, containerGitScript, helperCommand, helperValue } from "../../src/git/setup.ts";
import type { GitTokens } from "../../src/git/tokens.ts";
import { startHookServer } from "../../src/hooks/server.ts";
import { fakeBin, removeAll, tempDir } from "../boot/helpers.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const git = {
  repository: "octo/private",
  origin: "https://github.com",
  user_name: "Octo O'Cat",
  user_email: "1+octo@users.noreply.github.com",
};
const cli = join(import.meta.dir, "../../src/cli.ts");

describe("the devcontainer's git config script (run here against a scratch system config)", () => {
  test("sets the helper after a reset, the identity and the safe directory; twice is the same", async () => {
    const root = await tempDir("berth-gitsys-", dirs);
    const env = { ...(process.env as Record<string, string>), GIT_CONFIG_SYSTEM: join(root, "gitconfig") };
    const helper = helperValue(["/usr/local/bin/berth-agent"], "/run/berth/agent.sock");
    const args = [git.origin, helper, git.user_name, git.user_email, "/workspaces/x"];
    for (let i = 0; i < 2; i++) {
      const r = await runCommand(["sh", "-c", containerGitScript, "sh", ...args], { env });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const list = await runCommand(["git", "config", "--system", "--list"], { env });
    // (The second run moved the helper entries to the end; their own order is what matters.)
    expect(list.stdout.trim().split("\n")).toEqual([
      "user.name=Octo O'Cat",
      "user.email=1+octo@users.noreply.github.com",
      "credential.https://github.com.helper=",
      `credential.https://github.com.helper=${helper}`,
      "safe.directory=/workspaces/x",
    ]);
  });

  test("without a helper (agent not mounted) only the identity is set; no git is exit 3", async () => {
    const root = await tempDir("berth-gitsys-", dirs);
    const env = { ...(process.env as Record<string, string>), GIT_CONFIG_SYSTEM: join(root, "gitconfig") };
    await runCommand(["sh", "-c", containerGitScript, "sh", "", "", "A", "a@b.co", ""], { env });
    const list = await runCommand(["git", "config", "--system", "--list"], { env });
    expect(list.stdout).toBe("user.name=A\nuser.email=a@b.co\n");
    const noGit = await runCommand(["/bin/sh", "-c", containerGitScript, "sh", "", "", "A", "a@b.co", ""], {
      env: { PATH: join(root, "empty") },
    });
    expect(noGit.code).toBe(3);
  });
});

describe("gh in the devcontainer", () => {
  test("the wrapper runs the image's gh with a token asked for on that run only", async () => {
    const root = await tempDir("berth-gh-", dirs);
    await fakeBin(join(root, "bin"), "gh", 'echo "token=$GH_TOKEN args=$*"');
    let asked = 0;
    const tokens: GitTokens = {
      get: async () => ({ ok: true, username: "x-access-token", password: `ghs_${++asked}`, expiresAt: 0 }),
      reject: () => {},
    };
    const server = await startHookServer(join(root, "run", "agent.sock"), () => {}, undefined, {
      [gitCredentialKind]: gitCredentialHandler(git, tokens),
    });
    cleanups.push(() => server.stop());
    const env = {
      ...(process.env as Record<string, string>),
      PATH: `${join(root, "sbin")}:${join(root, "bin")}:${process.env.PATH}`,
    };
    const helper = helperCommand([process.execPath, cli], server.path);
    const install = await runCommand(["sh", "-c", containerGhScript, "sh", join(root, "sbin"), helper], {
      env,
    });
    expect(install.code).toBe(0);
    expect((await runCommand(["gh", "pr", "list"], { env })).stdout).toBe("token=ghs_1 args=pr list\n");
    expect((await runCommand(["gh", "api", "user"], { env })).stdout).toBe("token=ghs_2 args=api user\n");
    // The person's own token wins; a second install is a no-op.
    expect((await runCommand(["gh", "x"], { env: { ...env, GH_TOKEN: "mine" } })).stdout).toBe(
      "token=mine args=x\n",
    );
    const again = await runCommand(["sh", "-c", containerGhScript, "sh", join(root, "sbin"), helper], {
      env,
    });
    expect(again.code).toBe(0);
    const none = await runCommand(["sh", "-c", containerGhScript, "sh", join(root, "sbin2"), helper], {
      env: { PATH: "/usr/bin:/bin" },
    });
    expect(none.code).toBe(4);
  });
});

describe("configureContainerGit", () => {
  function recorder(codes: number[] = []) {
    const calls: string[][] = [];
    const run = async (argv: string[], _o?: RunOptions): Promise<RunResult> => {
      calls.push(argv);
      return { code: codes[calls.length - 1] ?? 0, stdout: "", stderr: "" };
    };
    return { calls, run };
  }
  const base = {
    env: {},
    containerId: "c0ffee",
    socketPath: "/run/berth/agent.sock",
    folder: "/workspaces/w",
  };

  test("github.com: git config and the gh wrapper, as root, with paths and names only", async () => {
    const r = recorder([0, 4]);
    const lines = await configureContainerGit({
      ...base,
      run: r.run,
      git,
      agentPath: "/usr/local/bin/berth-agent",
    });
    expect(r.calls.map((c) => c.slice(0, 7))).toEqual([
      ["docker", "exec", "-u", "root", "c0ffee", "sh", "-c"],
      ["docker", "exec", "-u", "root", "c0ffee", "sh", "-c"],
    ]);
    expect(r.calls[0]?.slice(9)).toEqual([
      "https://github.com",
      "!/usr/local/bin/berth-agent git-credential --socket /run/berth/agent.sock",
      "Octo O'Cat",
      "1+octo@users.noreply.github.com",
      "/workspaces/w",
    ]);
    expect(r.calls[1]?.slice(9)).toEqual([
      "/usr/local/sbin",
      "/usr/local/bin/berth-agent git-credential --socket /run/berth/agent.sock",
    ]);
    expect(lines).toEqual([
      "Credentials for https://github.com come from berth-agent; commits by Octo O'Cat",
      "gh: not in the image, skipped",
    ]);
  });

  test("the stand-in's http origin: no gh; no agent binary: identity only", async () => {
    const r = recorder();
    const local = { ...git, origin: "http://127.0.0.1:8703" };
    expect(await configureContainerGit({ ...base, run: r.run, git: local, agentPath: "/a" })).toEqual([
      "Credentials for http://127.0.0.1:8703 come from berth-agent; commits by Octo O'Cat",
      "gh: not configured (it talks to github.com only)",
    ]);
    const r2 = recorder();
    const lines = await configureContainerGit({ ...base, run: r2.run, git, agentPath: null });
    expect(r2.calls[0]?.slice(9, 11)).toEqual(["", ""]);
    expect(lines[0]).toBe("berth-agent is not mounted in the container: git there has no GitHub credentials");
  });
});
