/**
 * Claude Code's files in the container after a wake: when the restored ~/.claude.json and
 * settings.json already hold everything the agent adds, they are left byte for byte as they were
 * (Claude Code writes them without a final newline; a rewrite would change them for nothing).
 */
import { expect, test } from "bun:test";
import { claudeFirstRunState, writeContainerClaudeSettings } from "../../src/boot/claude-settings.ts";
import type { CommandRunner } from "../../src/boot/exec.ts";
import { claudeHooks, mergeClaudeSettings } from "../../src/hooks/settings.ts";

const agent = ["/usr/local/bin/berth-agent"];
const folder = "/workspaces/workspace";
const key = "sk-ant-0123456789abcdefghijklmnopqrstuvwxyz";

/** A container home as a map of $HOME-relative files, read and written through the runner. */
function fakeContainer(files: Record<string, string>) {
  const writes: string[] = [];
  const run: CommandRunner = async (argv, opts) => {
    const script = argv.at(-1) ?? "";
    const file = /"\$HOME\/([^"]+)"/.exec(script)?.[1] ?? "";
    if (script.startsWith("cat ")) return { code: 0, stdout: files[file] ?? "", stderr: "" };
    writes.push(file);
    files[file] = opts?.input ?? "";
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, writes, files };
}

const write = (c: ReturnType<typeof fakeContainer>, apiKey: string | null = key) =>
  writeContainerClaudeSettings({
    run: c.run,
    env: {},
    exec: (command) => ["devcontainer", "exec", ...command],
    agentCommand: agent,
    apiKey,
    folder,
  });

test("a first start writes the hooks and the first-run state", async () => {
  const c = fakeContainer({});
  expect(await write(c)).toEqual({ ok: true });
  expect(c.writes).toEqual([".claude/settings.json", ".claude.json"]);
  expect(JSON.parse(c.files[".claude.json"] ?? "")).toEqual(claudeFirstRunState(null, key, folder));
});

test("a woken home that already has it all is not rewritten: Claude Code's own bytes stay", async () => {
  // As Claude Code leaves them: its own keys, no final newline.
  const claudeJson = JSON.stringify(
    { ...claudeFirstRunState(null, key, folder), userID: "abc", migrationVersion: 13 },
    null,
    2,
  );
  const settings = `${JSON.stringify(mergeClaudeSettings({ model: "opus" }, claudeHooks(agent)), null, 2)}\n`;
  const c = fakeContainer({ ".claude.json": claudeJson, ".claude/settings.json": settings });
  expect(await write(c)).toEqual({ ok: true });
  expect(c.writes).toEqual([]);
  expect(c.files[".claude.json"]).toBe(claudeJson);

  // A different key (rotated while asleep) is still added.
  const other = "sk-ant-rotated-0123456789abcdefghijklmn";
  expect(await write(c, other)).toEqual({ ok: true });
  expect(c.writes).toEqual([".claude.json"]);
  const approved = JSON.parse(c.files[".claude.json"] ?? "").customApiKeyResponses.approved;
  expect(approved).toEqual([key.slice(-20), other.slice(-20)]);
});
