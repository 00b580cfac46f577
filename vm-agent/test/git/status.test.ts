import { afterEach, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "../../src/boot/exec.ts";
import { readGitStatus } from "../../src/git/status.ts";
import { git, makeRepo, removeAll, tempDir } from "../boot/helpers.ts";

const dirs: string[] = [];
afterEach(() => removeAll(dirs));

async function commit(dir: string, file: string) {
  await writeFile(join(dir, file), `${file}\n`);
  await git(dir, "add", file);
  await git(dir, "commit", "-q", "-m", file);
}

test("git status for the dashboard: branch, commits ahead of the default branch, pushed", async () => {
  const root = await tempDir("berth-gitstatus-", dirs);
  const origin = await makeRepo(root);
  const work = join(root, "work");
  await git(root, "clone", "-q", origin, work);
  const status = () => readGitStatus(runCommand, work);

  expect(await status()).toEqual({ branch: "main", ahead: 0, pushed: true });

  await git(work, "checkout", "-q", "-b", "topic");
  expect(await status()).toEqual({ branch: "topic", ahead: 0, pushed: false });
  await commit(work, "a.txt");
  await commit(work, "b.txt");
  expect(await status()).toEqual({ branch: "topic", ahead: 2, pushed: false });

  await git(work, "push", "-q", "origin", "topic");
  expect(await status()).toEqual({ branch: "topic", ahead: 2, pushed: true });
  await commit(work, "c.txt");
  expect(await status()).toEqual({ branch: "topic", ahead: 3, pushed: false });

  // Without origin/HEAD (a clone made otherwise), main is the base.
  await git(work, "symbolic-ref", "-d", "refs/remotes/origin/HEAD");
  expect(await status()).toEqual({ branch: "topic", ahead: 3, pushed: false });

  await git(work, "checkout", "-q", "--detach", "HEAD~1");
  expect(await status()).toEqual({ branch: null, ahead: 2, pushed: false });

  // The feature branch from origin, checked out: pushed (origin has it at HEAD), 1 ahead of main.
  await git(work, "checkout", "-q", "feature");
  expect(await status()).toEqual({ branch: "feature", ahead: 1, pushed: true });
});

test("no repo, or a repo without commits: nothing to report", async () => {
  const root = await tempDir("berth-gitstatus-", dirs);
  expect(await readGitStatus(runCommand, join(root, "missing"))).toBeNull();
  await git(root, "init", "-q", "-b", "main");
  expect(await readGitStatus(runCommand, root)).toBeNull();
});
