// Sleep and wake through a real devcontainer: the project's Docker engine, the devcontainer CLI,
// local mode's workspace image, the real Claude Code in it against the Anthropic stand-in, and the
// snapshot code against the in-test control plane (scripts/test.ts sets BERTH_TEST_DOCKER_HOST and
// BERTH_WORKSPACE_IMAGE; without them this file has nothing to run against).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { type AgentHttpServer, type StartHttpServer, serve } from "../../src/serve.ts";
import { containerHomeItems, containerSource } from "../../src/snapshot/home.ts";
import { Pty } from "../../src/terminal/pty.ts";
import { snapshotControlPlane } from "../snapshot/fake-cp.ts";
import { sh, tree } from "../snapshot/fixture.ts";
import { git, makeRepo, removeAll, tempDir, testConfig } from "./helpers.ts";

const dockerHost = process.env.BERTH_TEST_DOCKER_HOST;
const image = process.env.BERTH_WORKSPACE_IMAGE;
const devcontainerBin = resolve(import.meta.dir, "../../../local-cloud/node_modules/.bin");
const TOKEN = "cb_0123456789abcdefghijklmnop";
const KEY = "sk-ant-snapshot-real-test-2c4e6a8b0d";
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
  await removeContainersUnder(dirs);
  await removeAll(dirs);
});

/**
 * This file's containers (a boot that failed half-way too), and the per-folder images the
 * devcontainer CLI builds to map a user's uid (vsc-<folder>-<hash>-uid), which would pile up.
 */
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

/** The agent's HTTP half, minus the server: keeps the shell spec so the test opens real PTYs on it. */
function fakeHttp() {
  const got: { shell: Parameters<StartHttpServer>[0]["shell"] | null } = { shell: null };
  const start: StartHttpServer = async (o) => {
    got.shell = o.shell;
    const server: AgentHttpServer = {
      url: "http://127.0.0.1:9",
      port: 9,
      sessions: () => [],
      broadcastBanner: () => {},
      stop: async () => {},
    };
    return server;
  };
  return { start, got };
}

async function docker(args: string[], input?: string) {
  const r = await runCommand(["docker", ...args], { env, timeoutMs: 120_000, input });
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
/** A shell script in the container, as its remote user (docker exec's -u, and so its HOME). */
const inContainer = (id: string, user: string, script: string) =>
  docker(["exec", "-u", user, "-w", "/workspaces/workspace", id, "sh", "-c", script]);

async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

/** The Anthropic stand-in (local-cloud), on ephemeral ports. Loaded at run time: not vm-agent's. */
async function anthropicStandIn() {
  const mod = (await import(resolve(import.meta.dir, "../../../local-cloud/src/index.ts"))) as {
    startLocalCloud(o: Record<string, unknown>): Promise<{
      urls: { anthropic: string };
      anthropic: {
        requests(): Array<{ kind: string; messageCount: number; lastUserText: string | null }>;
      };
      stop(): Promise<void>;
    }>;
  };
  return mod.startLocalCloud({
    hetznerPort: 0,
    cloudflarePort: 0,
    githubPort: 0,
    anthropicPort: 0,
    pushPort: 0,
  });
}

/** Names, owners, modes, sizes and SHA-256 of the kept home files, as the remote user sees them. */
const homeListing = (id: string, user: string) =>
  inContainer(
    id,
    user,
    `cd "$HOME" && echo "home=$HOME" && find .claude .claude.json .bash_history -printf '%p %u:%g %m %y\\n' 2>/dev/null | sort && find .claude .claude.json .bash_history -type f -exec sha256sum {} + | sort -k2`,
  );

const lifecycle = {
  // Rebuilds the git-ignored folder (a snapshot leaves it out) and says it ran.
  postCreateCommand:
    "mkdir -p node_modules && date +%s%N > node_modules/.built && echo created >> /tmp/lifecycle",
  postStartCommand: "echo started >> /tmp/lifecycle",
};

/**
 * A person's work in a first container, Sleep, then a wake in a new container from the snapshot:
 * everything comes back byte for byte, and claude --continue finds the conversation.
 */
async function sleepAndWake(
  devcontainer: Record<string, unknown>,
  expectedHome: string,
  owner: string,
  uid: number,
) {
  const t0 = performance.now();
  const marks: Record<string, number> = {};
  const mark = (name: string) => {
    marks[name] = Math.round(performance.now() - t0);
  };
  const root = await tempDir("berth-dcsnap-", dirs);
  const repo = await makeRepo(root);
  await mkdir(join(repo, ".devcontainer"));
  await writeFile(
    join(repo, ".devcontainer", "devcontainer.json"),
    JSON.stringify({ runArgs: ["--network=host"], ...devcontainer, ...lifecycle }, null, 2),
  );
  await writeFile(join(repo, ".gitignore"), "node_modules/\n");
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "devcontainer");
  const cloud = await anthropicStandIn();
  cleanups.push(() => cloud.stop());
  let restore: string | null = null;
  const cp = snapshotControlPlane({
    partSize: 1 << 20,
    maxBytes: 512 << 20,
    token: TOKEN,
    restore: () => restore,
  });
  cleanups.push(cp.stop);

  const vm = async (name: string) => {
    const etc = join(root, name, "etc");
    await mkdir(etc, { recursive: true });
    const config = testConfig(join(root, name, "data"), {
      control_plane_url: cp.url,
      repo_url: repo,
      heartbeat_interval_seconds: 1,
      checkpoint_interval_seconds: 3600,
      anthropic_base_url: cloud.urls.anthropic,
    });
    await writeFile(join(etc, "agent.json"), JSON.stringify(config));
    const http = fakeHttp();
    const seen = cp.events.length;
    const agent = await serve({
      configPath: join(etc, "agent.json"),
      startHttpServer: http.start,
      env,
      log: () => {},
    });
    cleanups.push(() => agent.stop());
    const lines = cp.events
      .slice(seen)
      .filter((e) => e.kind === "progress")
      .map((e) => e.body as { step: string; message: string });
    const up = lines.find((l) => l.step === "container" && l.message.startsWith("Container "))?.message ?? "";
    const m = /^Container ([0-9a-f]{12}) up in \d+ s \(user (\S+), folder (\S+)\)$/.exec(up);
    if (!m) throw new Error(`no container: ${JSON.stringify(lines)}`);
    const shell = http.got.shell;
    if (!shell) throw new Error("no shell");
    const ws = join(config.data_dir, "workspace");
    return { agent, shell, lines, ws, container: m[1] ?? "", user: m[2] ?? "", folder: m[3] ?? "" };
  };
  const cleanupContainer = (id: string) => async () => {
    const img = await runCommand(["docker", "inspect", "--format", "{{.Config.Image}}", id], { env });
    await runCommand(["docker", "rm", "-f", id], { env });
    if (/^vsc-.*-uid$/.test(img.stdout.trim()))
      await runCommand(["docker", "image", "rm", img.stdout.trim()], { env });
  };

  // ---- VM A: a first boot, and a person's work in its terminal ----
  const a = await vm("vm-a");
  cleanups.push(cleanupContainer(a.container));
  mark("boot A");
  expect(a.folder).toBe("/workspaces/workspace");
  const builtA = await inContainer(a.container, a.user, "cat node_modules/.built");

  let out = "";
  const decoder = new TextDecoder();
  const pty = new Pty({
    ...a.shell,
    cols: 120,
    rows: 40,
    onData: (b) => {
      out += decoder.decode(b, { stream: true });
    },
  });
  cleanups.push(() => pty.close());
  const type = async (line: string, done: string) => {
    pty.write(`${line}\r`);
    await until(`"${done}" in the terminal`, async () => (out.includes(done) ? true : null));
  };
  // The shell's output, not its echo of what was typed: $((…)) only expands when it runs.
  await type("echo ready-$((40+2))", "ready-42");
  const gitId = "-c user.name=Pat -c user.email=pat@example.com";
  await type(
    `echo stashed >> README.md && git stash push -q -m "my stash" && echo stash-$((1+1))`,
    "stash-2",
  );
  await type(
    `echo local > local.txt && git add local.txt && git ${gitId} commit -q -m "local only" && echo commit-$((2+1))`,
    "commit-3",
  );
  await type(
    `echo "uncommitted edit" >> README.md && echo staged > staged.txt && git add staged.txt && printf 'untracked\\n' > "notes with space.txt" && echo files-$((3+1))`,
    "files-4",
  );
  // PROMPT_COMMAND="history -a": each command is in ~/.bash_history once it ran, not at exit.
  const history = await until("the history file", async () => {
    const h = await inContainer(a.container, a.user, 'cat "$HOME/.bash_history"');
    return h.includes("echo files-$((3+1))") ? h : null;
  });
  expect(history).toContain('git stash push -q -m "my stash"');
  mark("work typed");
  // The checkpoints' change marker for the home, read through docker exec as the remote user.
  const homeSource = containerSource("home", {
    containerId: a.container,
    user: a.user,
    items: containerHomeItems,
    env,
  });
  const markerBefore = await homeSource.fingerprint();
  expect(markerBefore).toContain(".bash_history ");
  pty.write("exit\r");
  expect(await pty.exited).toBe(0);

  // A Claude conversation, written by the real Claude Code in the container.
  const claude = (args: string[]) =>
    runCommand([...a.shell.command.slice(0, -2), `ANTHROPIC_API_KEY=${KEY}`, "claude", ...args], {
      env,
      timeoutMs: 180_000,
    });
  const first = await claude(["-p", "remember the word berth-snapshot-proof"]);
  expect(withoutHookNoise(first.stderr)).toBe("");
  expect(first.code).toBe(0);
  const convA = await inContainer(a.container, a.user, 'ls "$HOME/.claude/projects/"*/*.jsonl');
  expect(convA.trim()).toMatch(
    new RegExp(`^${expectedHome}/\\.claude/projects/-workspaces-workspace/[0-9a-f-]{36}\\.jsonl$`),
  );
  expect(await inContainer(a.container, a.user, 'test -s "$HOME/.claude.json" && echo yes')).toBe("yes\n");
  mark("claude A");
  const markerAfter = await homeSource.fingerprint();
  expect(markerAfter).not.toBe(markerBefore);
  expect(markerAfter).toContain(".claude/projects/-workspaces-workspace/");

  const homeA = await homeListing(a.container, a.user);
  expect(homeA).toStartWith(`home=${expectedHome}\n.bash_history ${owner} 600 f\n`);
  expect(homeA).toContain(`.claude.json ${owner} 600 f\n`);
  const gitA = await gitState(a.ws);
  expect(gitA.stash).toContain("my stash");
  expect(gitA.status).toBe(' M README.md\nA  staged.txt\n?? "notes with space.txt"\n');

  // ---- Sleep ----
  cp.setHeartbeatState("sleeping");
  const down = await cp.waitFor((e) => e.kind === "shutdown", 180_000);
  const snap = [...cp.snapshots.values()].find((s) => s.kind === "sleep");
  expect(down.body).toEqual({ reason: "user", snapshot_id: snap?.id });
  mark("sleep A");
  await a.agent.stop();
  const before = await tree(a.ws, ["node_modules"]);
  const stateA = await gitState(a.ws);
  expect(stateA).toEqual(gitA);
  await cleanupContainer(a.container)();
  // A wake must not clone: with the origin gone, a clone would fail the boot.
  await rename(repo, `${repo}.gone`);

  // ---- VM B: a wake in a new container ----
  cp.setHeartbeatState(undefined);
  restore = snap?.id ?? null;
  const b = await vm("vm-b");
  cleanups.push(cleanupContainer(b.container));
  mark("wake B");
  expect(b.container).not.toBe(a.container);
  expect(b.folder).toBe(a.folder);
  const steps = b.lines.map((l) => l.step);
  expect(steps.indexOf("restore")).toBeLessThan(steps.indexOf("container"));
  expect(b.lines.filter((l) => l.step === "clone").map((l) => l.message)).toEqual([
    `Using the existing clone of ${repo}`,
  ]);
  expect(b.lines.some((l) => l.step === "restore" && l.message.startsWith("Restored ~/.claude"))).toBe(true);

  // The workspace, byte for byte (the .git folder included: refs, index, stash, objects).
  expect(await tree(b.ws, ["node_modules"])).toEqual(before);
  expect(await gitState(b.ws)).toEqual(gitA);
  // Owners: the folder and what the person made in it are still the container user's.
  for (const f of [".", "local.txt", "notes with space.txt", ".git/refs/stash"])
    expect((await stat(join(b.ws, f))).uid).toBe(uid);
  expect(b.lines.filter((l) => l.message.startsWith("The workspace folder belongs to"))).toEqual([]);
  // The lifecycle commands ran in the new container and rebuilt what the snapshot leaves out.
  expect(await inContainer(b.container, b.user, "cat /tmp/lifecycle")).toBe("created\nstarted\n");
  const builtB = await inContainer(b.container, b.user, "cat node_modules/.built");
  expect(builtB).not.toBe(builtA);
  // The home: same names, owners, modes and bytes, in the remote user's $HOME.
  expect(await homeListing(b.container, b.user)).toBe(homeA);
  // The new container's shell has the restored history.
  const again = await runCommand(
    [...b.shell.command.slice(0, -2), "sh", "-c", 'tail -1 "$HOME/.bash_history"'],
    {
      env,
    },
  );
  expect(again.stdout).toBe("exit\n");

  // claude --continue in the new container picks the conversation up: its request carries it.
  const calls = cloud.anthropic.requests().filter((r) => r.kind === "main").length;
  const cont = await runCommand(
    [
      ...b.shell.command.slice(0, -2),
      `ANTHROPIC_API_KEY=${KEY}`,
      "claude",
      "--continue",
      "-p",
      "which word?",
    ],
    { env, timeoutMs: 180_000 },
  );
  expect(withoutHookNoise(cont.stderr)).toBe("");
  expect(cont.code).toBe(0);
  const resumed = cloud.anthropic
    .requests()
    .filter((r) => r.kind === "main")
    .slice(calls);
  expect(resumed.at(-1)?.lastUserText).toBe("which word?");
  expect(resumed.at(-1)?.messageCount).toBeGreaterThanOrEqual(3);
  mark("claude B");
  const said = (step: string) => b.lines.filter((l) => l.step === step).map((l) => l.message);
  console.log(
    `timings (ms from start): ${JSON.stringify(marks)}; snapshot ${snap?.complete?.size} bytes; ` +
      `wake: ${[...said("restore"), ...said("container")].join(" | ")}`,
  );
}

describe.skipIf(!dockerHost || !image)("sleep and wake, real devcontainer", () => {
  test("root (local mode's default image): everything comes back byte for byte; claude --continue finds the conversation", async () => {
    await sleepAndWake({ image }, "/root", "root:root", 0);
  }, 900_000);

  test("a remote user who is not root: the home is theirs, in their $HOME, after the wake", async () => {
    await sleepAndWake({ image: await userImage(), remoteUser: "pat" }, "/home/pat", "pat:pat", 1000);
  }, 900_000);
});

/** The workspace image plus a user `pat` (uid 1000), as most devcontainer images have (vscode, node). */
async function userImage(): Promise<string> {
  const tag = `berth-workspace-user:${(image ?? "").split(":")[1] ?? "latest"}`;
  const have = await runCommand(["docker", "image", "inspect", tag], { env });
  if (have.code === 0) return tag;
  const dockerfile = `FROM ${image}\nRUN useradd --create-home --uid 1000 --shell /bin/bash pat\n`;
  const r = await runCommand(["docker", "build", "-q", "-t", tag, "-"], {
    env: { ...env, DOCKER_BUILDKIT: "0" },
    input: dockerfile,
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`docker build: ${r.stderr}`);
  return tag;
}

/** What git knows: every ref, the stash, the index (with modes and blob ids) and the status. */
async function gitState(ws: string) {
  const run = (...args: string[]) => sh(ws, "git", "-c", "safe.directory=*", "--no-optional-locks", ...args);
  return {
    refs: await run("for-each-ref", "--format=%(refname) %(objectname)"),
    stash: await run("stash", "list", "--format=%gd %H %s"),
    index: await run("ls-files", "-s"),
    status: await run("status", "--porcelain=v1", "-uall"),
    head: await run("rev-parse", "HEAD"),
  };
}

/** Under `bun test` the agent is not a compiled binary, so nothing is mounted for Claude's hooks. */
const withoutHookNoise = (stderr: string) =>
  stderr.replace(/^.*hook \[\/usr\/local\/bin\/berth-agent hook \w+\] failed:.*\n(\s*\n)?/gm, "").trim();
