/** Who owns the workspace folder once the devcontainer is up (the agent cloned it as root). */
import { afterEach, expect, test } from "bun:test";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CommandRunner } from "../../src/boot/exec.ts";
import { giveWorkspaceTo } from "../../src/boot/owner.ts";
import { removeAll, tempDir } from "./helpers.ts";

const dirs: string[] = [];
afterEach(() => removeAll(dirs));

/** `docker exec … id -u; id -g` answers `ids`; anything else (chown) is only recorded. */
function fakeRun(ids: string) {
  const calls: string[][] = [];
  const run: CommandRunner = async (argv) => {
    calls.push(argv);
    if (argv[0] === "docker") return { code: ids ? 0 : 1, stdout: ids, stderr: ids ? "" : "no such user" };
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}

async function give(user: string, ids: string, dir?: string) {
  const d = dir ?? (await tempDir("berth-owner-", dirs));
  const f = fakeRun(ids);
  const lines: string[] = [];
  await giveWorkspaceTo({
    run: f.run,
    env: {},
    containerId: "c0ffee",
    user,
    dir: d,
    report: (step, message) => lines.push(`${step}: ${message}`),
  });
  return { ...f, lines, dir: d };
}

test("a user who is not root gets the folder, symlinks as links", async () => {
  const r = await give("vscode", "1000\n1000\n");
  expect(r.calls).toEqual([
    ["docker", "exec", "-u", "vscode", "c0ffee", "sh", "-c", "id -u; id -g"],
    ["chown", "-R", "-h", "1000:1000", r.dir],
  ]);
  expect(r.lines).toEqual(["container: The workspace folder belongs to vscode (uid 1000)"]);
});

test("root, a user mapped to uid 0, or a folder already theirs: nothing to do", async () => {
  expect((await give("root", "")).calls).toEqual([]);
  expect((await give("admin", "0\n0\n")).calls).toHaveLength(1);
  // A wake (the snapshot kept the folder's owner) or an agent restart.
  const dir = join(await tempDir("berth-owner-", dirs), "ws");
  await mkdir(dir);
  const mine = (await stat(dir)).uid;
  const r = await give("vscode", `${mine}\n${mine}\n`, dir);
  expect(r.calls.map((c) => c[0])).toEqual(["docker"]);
  expect(r.lines).toEqual([]);
});

test("a uid that cannot be read is said, and the folder is left alone", async () => {
  const r = await give("ghost", "");
  expect(r.calls.map((c) => c[0])).toEqual(["docker"]);
  expect(r.lines).toEqual([
    "container: Cannot tell ghost's uid in the container; the workspace folder stays root's: no such user",
  ]);
});
