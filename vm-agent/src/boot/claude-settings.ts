import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { claudeHooks, mergeClaudeSettings } from "../hooks/settings.ts";
import type { CommandRunner } from "./exec.ts";

/**
 * Host runtime: Claude gets its own config dir (CLAUDE_CONFIG_DIR) under the data dir, so a local
 * run never rewrites the developer's own ~/.claude/settings.json.
 */
export async function writeHostClaudeSettings(configDir: string, agentCommand: string[]): Promise<string> {
  await mkdir(configDir, { recursive: true });
  const path = join(configDir, "settings.json");
  let existing: unknown = null;
  try {
    existing = JSON.parse(await readFile(path, "utf8"));
  } catch {
    // Missing or broken: start from ours.
  }
  await writeFile(
    path,
    `${JSON.stringify(mergeClaudeSettings(existing, claudeHooks(agentCommand)), null, 2)}\n`,
  );
  return path;
}

/**
 * Devcontainer runtime: ~/.claude/settings.json of the container's user, read and written through
 * `devcontainer exec` (the content travels as an argument, not through a shell).
 */
export async function writeContainerClaudeSettings(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  exec(command: string[]): string[];
  agentCommand: string[];
}): Promise<{ ok: boolean; error?: string }> {
  const read = await opts.run(
    opts.exec(["sh", "-c", 'cat "$HOME/.claude/settings.json" 2>/dev/null || true']),
    {
      env: opts.env,
      timeoutMs: 60_000,
    },
  );
  let existing: unknown = null;
  try {
    existing = JSON.parse(read.stdout);
  } catch {
    // None yet.
  }
  const merged = JSON.stringify(mergeClaudeSettings(existing, claudeHooks(opts.agentCommand)), null, 2);
  const write = await opts.run(
    opts.exec([
      "sh",
      "-c",
      'mkdir -p "$HOME/.claude" && printf "%s\\n" "$1" > "$HOME/.claude/settings.json"',
      "berth-agent",
      merged,
    ]),
    { env: opts.env, timeoutMs: 60_000 },
  );
  return write.code === 0 ? { ok: true } : { ok: false, error: write.stderr.trim().slice(-300) };
}
