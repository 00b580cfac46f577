import { claudeHooks, mergeClaudeSettings } from "../hooks/settings.ts";
import { mkdir, readFile, writeFile } from "../sys/files.ts";
import { join } from "../sys/paths.ts";
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
    existing = JSON.parse(await readFile(path));
  } catch {
    // Missing or broken: start from ours.
  }
  const merged = mergeClaudeSettings(existing, claudeHooks(agentCommand));
  if (!sameJson(existing, merged)) await writeFile(path, `${JSON.stringify(merged, null, 2)}\n`);
  return path;
}

/** Reads a JSON file in the container ($HOME-relative), null when missing or broken. */
async function readContainerJson(
  opts: { run: CommandRunner; env: Record<string, string>; exec(command: string[]): string[] },
  file: string,
): Promise<unknown> {
  const read = await opts.run(opts.exec(["sh", "-c", `cat "$HOME/${file}" 2>/dev/null || true`]), {
    env: opts.env,
    timeoutMs: 60_000,
  });
  try {
    return JSON.parse(read.stdout);
  } catch {
    return null;
  }
}

/** Writes a file in the container ($HOME-relative, 0600) from stdin: its content is on no command line. */
async function writeContainerFile(
  opts: { run: CommandRunner; env: Record<string, string>; exec(command: string[]): string[] },
  file: string,
  content: string,
): Promise<{ ok: boolean; error?: string }> {
  const write = await opts.run(
    opts.exec(["sh", "-c", `umask 077 && mkdir -p "$(dirname "$HOME/${file}")" && cat > "$HOME/${file}"`]),
    { env: opts.env, timeoutMs: 60_000, input: content },
  );
  return write.code === 0 ? { ok: true } : { ok: false, error: write.stderr.trim().slice(-300) };
}

/**
 * What a person would otherwise click through on Claude Code's first start in a workspace:
 * onboarding, using the key they gave Berth (Claude Code remembers its last 20 characters), and
 * trusting the repo's folder.
 */
export function claudeFirstRunState(
  existing: unknown,
  apiKey: string | null,
  folder: string,
): Record<string, unknown> {
  const state = existing && typeof existing === "object" ? { ...(existing as Record<string, unknown>) } : {};
  state.hasCompletedOnboarding = true;
  if (apiKey) {
    const responses = (state.customApiKeyResponses ?? {}) as { approved?: string[]; rejected?: string[] };
    const approved = new Set(responses.approved ?? []);
    approved.add(apiKey.slice(-20));
    state.customApiKeyResponses = {
      ...responses,
      approved: [...approved],
      rejected: responses.rejected ?? [],
    };
  }
  const projects = (state.projects ?? {}) as Record<string, Record<string, unknown>>;
  state.projects = { ...projects, [folder]: { ...projects[folder], hasTrustDialogAccepted: true } };
  return state;
}

/**
 * Devcontainer runtime: ~/.claude/settings.json (the hooks) and ~/.claude.json (first-run state)
 * of the container's user, read and written through `devcontainer exec`, contents on stdin.
 */
export async function writeContainerClaudeSettings(opts: {
  run: CommandRunner;
  env: Record<string, string>;
  exec(command: string[]): string[];
  agentCommand: string[];
  apiKey: string | null;
  /** The repo's folder inside the container. */
  folder: string;
}): Promise<{ ok: boolean; error?: string }> {
  const current = await readContainerJson(opts, ".claude/settings.json");
  const settings = mergeClaudeSettings(current, claudeHooks(opts.agentCommand));
  if (!sameJson(current, settings)) {
    const written = await writeContainerFile(
      opts,
      ".claude/settings.json",
      `${JSON.stringify(settings, null, 2)}\n`,
    );
    if (!written.ok) return written;
  }
  const existing = await readContainerJson(opts, ".claude.json");
  const state = claudeFirstRunState(existing, opts.apiKey, opts.folder);
  if (sameJson(existing, state)) return { ok: true };
  return writeContainerFile(opts, ".claude.json", `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * True when merging ours changed nothing. Then the file is left as it is: a woken workspace's
 * ~/.claude.json stays byte for byte what Claude Code wrote (its own formatting), and a file
 * Claude Code is writing at that moment is not raced.
 */
export function sameJson(existing: unknown, merged: unknown): boolean {
  return existing !== null && JSON.stringify(existing) === JSON.stringify(merged);
}
