import { claudeHookEvents } from "@berth/protocol/agent";

/**
 * The `hooks` section of Claude Code's settings.json that reports every event to berth-agent:
 * `{ hooks: { <Event>: [ { matcher?, hooks: [ { type: "command", command, timeout } ] } ] } }`.
 * Tool events get the match-all matcher "*"; the others take no matcher (omitted = all).
 */

interface CommandHook {
  type: "command";
  command: string;
  timeout?: number;
}
interface HookGroup {
  matcher?: string;
  hooks: CommandHook[];
}
export type HooksSection = Record<string, HookGroup[]>;

const toolEvents = new Set<string>(["PreToolUse", "PostToolUse", "PostToolUseFailure"]);

/** Marks our entries so a later merge replaces them rather than adding duplicates. */
const marker = " hook ";

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `agentCommand` is the argv that runs berth-agent where Claude runs (binary path, or bun + cli.ts). */
export function claudeHooks(agentCommand: string[]): HooksSection {
  const base = agentCommand.map(shellQuote).join(" ");
  const hooks: HooksSection = {};
  for (const event of claudeHookEvents) {
    // The agent gives up after ~1 s itself; the timeout (seconds) is Claude's backstop.
    const entry: CommandHook = { type: "command", command: `${base}${marker}${event}`, timeout: 5 };
    hooks[event] = [toolEvents.has(event) ? { matcher: "*", hooks: [entry] } : { hooks: [entry] }];
  }
  return hooks;
}

function isBerthGroup(group: unknown): boolean {
  if (!group || typeof group !== "object") return false;
  const hooks = (group as { hooks?: unknown }).hooks;
  return (
    Array.isArray(hooks) &&
    hooks.some((h) => {
      const cmd = (h as { command?: unknown } | null)?.command;
      return (
        typeof cmd === "string" &&
        cmd.includes(marker) &&
        (cmd.includes("berth-agent") || cmd.includes("vm-agent/src/cli.ts"))
      );
    })
  );
}

/**
 * Merges our hooks into an existing settings object (or anything else, e.g. a missing or broken
 * file): the person's own settings and hooks are kept, earlier berth-agent entries replaced.
 */
export function mergeClaudeSettings(existing: unknown, ours: HooksSection): Record<string, unknown> {
  const settings: Record<string, unknown> =
    existing && typeof existing === "object" && !Array.isArray(existing)
      ? { ...(existing as Record<string, unknown>) }
      : {};
  const current = settings.hooks;
  const hooks: Record<string, unknown> =
    current && typeof current === "object" && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : {};
  for (const [event, groups] of Object.entries(ours)) {
    const prev = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    hooks[event] = [...prev.filter((g) => !isBerthGroup(g)), ...groups];
  }
  settings.hooks = hooks;
  return settings;
}
