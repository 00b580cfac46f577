/**
 * The devcontainer's home (Claude Code's state, shell history) is reached through `docker exec`
 * as the container's user. A fake `docker` runs the command with HOME set to a folder, so the
 * capture/restore/fingerprint scripts and their argv are checked without an engine
 * (test/boot/devcontainer-real.test.ts runs the real one).
 */
import { afterEach, expect, test } from "bun:test";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerHomeItems, containerSource } from "../../src/snapshot/home.ts";
import { fakeBin } from "../boot/helpers.ts";
import { tree } from "./fixture.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

test("container home: captured and restored as the container's user, missing items skipped", async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-home-"));
  dirs.push(root);
  const home = join(root, "container-home");
  await mkdir(join(home, ".claude", "projects", "-workspaces-workspace"), { recursive: true });
  await writeFile(join(home, ".claude", "projects", "-workspaces-workspace", "s.jsonl"), '{"a":1}\n');
  await symlink("projects", join(home, ".claude", "link"));
  await writeFile(join(home, ".claude.json"), "{}\n", { mode: 0o600 });
  await writeFile(join(home, ".bash_history"), "ls\n");
  await writeFile(join(home, "unrelated.txt"), "not kept\n");
  const bin = join(root, "bin");
  await fakeBin(
    bin,
    "docker",
    `echo "$*" >> "${root}/calls"
[ "$1" = exec ] || exit 90; shift
[ "$1" = -i ] && shift
[ "$1" = -u ] || exit 91; shift 2
shift
HOME="$FAKE_HOME" exec "$@"`,
  );
  const env = (h: string) => ({
    ...(process.env as Record<string, string>),
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_HOME: h,
  });
  const source = containerSource("home", {
    containerId: "c0ffee",
    user: "vscode",
    items: containerHomeItems,
    env: env(home),
  });
  expect(source.label).toBe("~/.claude, ~/.claude.json, ~/.bash_history, ~/.zsh_history");

  const file = join(root, "home.tar");
  await source.capture(file);
  const fp = await source.fingerprint();
  expect(fp).toContain(".claude/projects/-workspaces-workspace/s.jsonl 8 ");

  // A new container: its home has only what the image put there.
  const fresh = join(root, "new-home");
  await mkdir(fresh);
  const restored = containerSource("home", {
    containerId: "beef",
    user: "vscode",
    items: containerHomeItems,
    env: env(fresh),
  });
  await restored.restore(file);
  const expected = await tree(home, ["unrelated.txt"]);
  expect(await tree(fresh)).toEqual(expected);
  // Same files, same sizes (tar keeps whole-second mtimes only: the marker may differ).
  const names = (f: string) => f.split("\n").map((l) => l.split(" ").slice(0, 2).join(" "));
  expect(names(await restored.fingerprint())).toEqual(names(fp));

  const calls = (await readFile(join(root, "calls"), "utf8")).trim().split("\n");
  const heads = calls.filter((c) => c.startsWith("exec -")).map((c) => c.replace(/ sh -c .*/, " sh -c"));
  expect(heads).toEqual([
    "exec -u vscode c0ffee sh -c",
    "exec -u vscode c0ffee sh -c",
    "exec -i -u vscode beef sh -c",
    "exec -u vscode beef sh -c",
  ]);

  // Nothing there yet (a first boot): an empty capture, and restoring it is a no-op.
  const empty = containerSource("home", {
    containerId: "e",
    user: "u",
    items: containerHomeItems,
    env: env(join(root, "none")),
  });
  await empty.capture(join(root, "empty.tar"));
  expect((await readFile(join(root, "empty.tar"))).length).toBe(0);
  await empty.restore(join(root, "empty.tar"));
});
