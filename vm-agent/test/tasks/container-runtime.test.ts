/**
 * The devcontainer runtime's plumbing, with `devcontainer exec` and `docker exec` stood in by scripts
 * that run the command on this machine: claude gets the workspace's env file (the key never on a
 * command line), its prompt on stdin, and max_minutes kills it through `docker exec -u root`.
 */
import { afterEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TaskSpec } from "@berth/protocol";
import { withEnvFile, writeEnvFile } from "../../src/boot/container.ts";
import { devcontainerExec } from "../../src/boot/devcontainer.ts";
import { createControlPlaneClient } from "../../src/control-plane/client.ts";
import { containerTaskRuntime } from "../../src/tasks/runtime.ts";
import { startTask } from "../../src/tasks/task.ts";
import { fakeBin, removeAll, tempDir } from "../boot/helpers.ts";
import { cloneWithOrigin, fakeClaude, taskControlPlane, waitFor } from "./support.ts";

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeAll(dirs);
});

const KEY = "sk-ant-container-0123456789";

async function containerTask(mode: "edit" | "sleep", minuteMs = 60_000) {
  const root = await tempDir("berth-task-dc-", dirs);
  const { dir } = await cloneWithOrigin(root);
  const bin = join(root, "bin");
  await fakeClaude(bin);
  // `devcontainer exec --workspace-folder DIR CMD...` and `docker exec -u root ID CMD...`, run here.
  await fakeBin(
    bin,
    "devcontainer",
    'printf "%s\\n" "$@" >> "$FAKE_CLAUDE_DIR/devcontainer-argv"\nshift 3\nexec "$@"',
  );
  await fakeBin(bin, "docker", 'shift 4\nexec "$@"');
  const envFile = join(root, "run", "workspace.env");
  await writeEnvFile(envFile, { ANTHROPIC_API_KEY: KEY });
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: root,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Octo Cat",
    GIT_AUTHOR_EMAIL: "1+octo@users.noreply.github.com",
    GIT_COMMITTER_NAME: "Octo Cat",
    GIT_COMMITTER_EMAIL: "1+octo@users.noreply.github.com",
    FAKE_CLAUDE: mode,
    FAKE_CLAUDE_DIR: root,
  };
  const dc = { workspaceDir: dir, configPath: null, runDir: join(root, "run"), agentBinary: null };
  const runtime = containerTaskRuntime({
    dir,
    env,
    containerId: "c0ffee",
    folder: dir,
    wrap: (command) => devcontainerExec(dc, withEnvFile(envFile, command)),
  });
  const cp = taskControlPlane();
  cleanups.push(cp.stop);
  const client = createControlPlaneClient({
    baseUrl: cp.url,
    workspaceId: "ws_test",
    sleep: () => Bun.sleep(5),
  });
  client.setCallbackToken("cb_0123456789abcdefghijklmnop");
  const spec: TaskSpec = {
    id: "t1",
    prompt: "A prompt that must stay off every command line.",
    branch: "berth/t1",
    base_branch: null,
    max_minutes: 1,
    permission_mode: "bypassPermissions",
    commit_and_push: true,
  };
  const task = startTask({
    spec,
    runtime,
    client,
    workspaceDir: dir,
    statePath: join(root, "state", "task.json"),
    env,
    minuteMs,
    pollMs: 50,
    eventIntervalMs: 50,
    retryMs: 20,
  });
  cleanups.push(() => task.stop());
  return { root, cp, spec };
}

test("claude runs through devcontainer exec with the env file; the prompt is on stdin only", async () => {
  const { root, cp, spec } = await containerTask("edit");
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({ outcome: "succeeded", commits: 1, pushed: true });
  expect(await readFile(join(root, "key0"), "utf8")).toBe(KEY);
  expect(await readFile(join(root, "prompt0"), "utf8")).toBe(spec.prompt);
  const argv = await readFile(join(root, "devcontainer-argv"), "utf8");
  expect(argv).toContain("claude\n-p\n");
  expect(argv).toContain("IS_SANDBOX=1\nclaude");
  expect(argv).not.toContain(KEY);
  expect(argv).not.toContain(spec.prompt);
}, 60_000);

test("max_minutes in the container: killed through docker exec as root", async () => {
  const { root, cp } = await containerTask("sleep", 100);
  const [result] = await waitFor("the result", () => cp.results().length > 0 && cp.results());
  expect(result).toMatchObject({ outcome: "failed", reason: "max_minutes reached" });
  const child = Number((await readFile(join(root, "child.pid"), "utf8")).trim());
  const alive = await readFile(`/proc/${child}/stat`, "utf8").then(
    (s) => !s.includes(") Z"),
    () => false,
  );
  expect(alive).toBe(false);
}, 60_000);
